"""Recovery of a partition a worker comes to own: its checkpoint restored, then re-folded.

The fold starts from the partition's last checkpoint (its marker in
``partition_checkpoints`` names the active sessions and the offset folded; their states
are in ``session_state``) and re-folds session.commands from there, on a consumer of its
own, to the end offset seen when recovery began. Records up to that end are the past
and send no frames; any read beyond it are the present, and theirs go out. Results and
seat decisions are sent again (at-least-once), except the result of a run that the
state table already records as ended. Every recovered session's state and views are
queued for the partition's next turn.
"""

from __future__ import annotations

from aiokafka import TopicPartition

from schemas.codec import Codec
from streams.sessions import reader
from streams.sessions.checkpoint import state_from_datum
from streams.sessions.folding import RecordFolder
from streams.sessions.model import SessionState
from streams.sessions.partition import PartitionFold
from streams.sessions.publishing import Outbox
from streams.sessions.turns import TableQueue, TableTurns
from streams.sessions.wiring import RuntimeTables


class Recovery:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        tables: RuntimeTables,
        codec: Codec,
        folder: RecordFolder,
        turns: TableTurns,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.tables = tables
        self.codec = codec
        self.folder = folder
        self.turns = turns

    async def recover(self, partition: int, queue: TableQueue) -> tuple[PartitionFold, Outbox]:
        """The partition's fold, up to date, and what re-folding it asks to publish."""
        tp = TopicPartition(self.topic, partition)
        consumer = reader.consumer(self.bootstrap)
        await consumer.start()
        try:
            consumer.assign([tp])
            fold = self._from_checkpoint(partition)
            end = (await consumer.end_offsets([tp]))[tp]
            consumer.seek(tp, fold.applied_offset + 1)
            outbox = Outbox()
            while await consumer.position(tp) < end:
                batch = (await consumer.getmany(tp, timeout_ms=1000, max_records=reader.MAX_BATCH)).get(tp, [])
                for record in batch:
                    live = record.offset >= end
                    self.folder.fold(queue, fold, record.value, record.offset, outbox, live=live)
        finally:
            await consumer.stop()
        for state in fold.sessions.values():
            self.turns.queue_state(queue, state)
            self.turns.queue_views(queue, state)
        # Runs that ended while nobody folded: their results go out once.
        outbox.results = [state for state in outbox.results if not self._stored_as_ended(state)]
        return fold, outbox

    def _from_checkpoint(self, partition: int) -> PartitionFold:
        raw = self.tables.checkpoints.get(str(partition).encode())
        if raw is None:
            return PartitionFold(partition)
        checkpoint = self.codec.decode("PartitionCheckpoint", raw)
        sessions = {}
        for session_id in checkpoint["activeSessions"]:
            stored = self.tables.state.get(session_id.encode())
            if stored is not None:
                state = state_from_datum(self.codec.decode("SessionState", stored))
                if state.active:
                    sessions[session_id] = state
        return PartitionFold(partition, sessions, checkpoint["offset"], checkpoint["seq"])

    def _stored_as_ended(self, state: SessionState) -> bool:
        stored = self.tables.state.get(state.session_id.encode())
        return stored is not None and self.codec.decode("SessionState", stored)["status"] == "ended"
