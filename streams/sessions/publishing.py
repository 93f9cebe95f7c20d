"""What folding a batch of records asks the worker to send, and the sending.

``Outbox`` collects it in log order while a batch of a partition folds; ``Publisher``
sends it once the batch is folded: seat decisions first (a viewer's HTTP request waits
on each), then one FrameBatch per Tick, the run results, and the SnapshotTriggered
records as they were read, to session.snapshot-triggers on the same partition (for
the rewards pipeline). Results go keyed by sessionId and decisions by requestId (a
seat's freed notice, which answers no request, by leaseId), so a recovering worker
that sends them again changes nothing for their readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.codec import Codec
from schemas.framebatch import FrameBatchWriter
from schemas.records import Tick
from streams.sessions.fold import result_datum
from streams.sessions.model import SessionState
from streams.sessions.wiring import RuntimeTopics


@dataclass
class Outbox:
    """What one batch of records asks to publish, in log order."""

    frames: list[tuple[Tick, list[dict]]] = field(default_factory=list)
    results: list[SessionState] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    triggers: list[tuple[str, bytes]] = field(default_factory=list)  # (sessionId, the record as read)


class Publisher:
    def __init__(self, topics: RuntimeTopics, codec: Codec) -> None:
        self.topics = topics
        self.codec = codec
        self.frame_batches = FrameBatchWriter(codec)

    async def publish(self, partition: int, outbox: Outbox) -> None:
        for decision in outbox.decisions:
            key = decision["requestId"] or decision["leaseId"]
            await self.topics.seat_replies.send(key=key.encode(), value=self.codec.encode("SeatDecision", decision))
        for body, frames in outbox.frames:
            value = self.frame_batches.encode(partition, body.tickNo, body.scheduledAtUs, frames)
            await self.topics.frames.send(value=value, partition=partition)
        for state in outbox.results:
            await self.topics.results.send(
                key=state.session_id.encode(),
                value=self.codec.encode("RunResult", result_datum(state)),
                partition=partition,
            )
        for session_id, value in outbox.triggers:
            await self.topics.triggers.send(key=session_id.encode(), value=value, partition=partition)
