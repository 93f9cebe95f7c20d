"""The Faust shell around the partition folds: recover, fold, publish, checkpoint, tick.

One ``SessionRuntime`` per worker process. For each partition of session.commands it
owns, it keeps a ``PartitionFold`` in memory:

- Recovery: on assignment (after Faust restored the tables), the fold starts from the
  partition's last checkpoint (tables ``partition_checkpoints`` and ``session_state``)
  and re-folds the partition log from there to its current end with a plain consumer.
  Frames are not re-sent; results and seat decisions are (at-least-once, keyed by
  sessionId / requestId); a run whose result the table already records is not.
- Folding: the agent hands every record to the partition's fold; records the fold has
  applied already (offset) are skipped, so Faust's redelivery after a crash is harmless.
- Publishing: one FrameBatch per partition tick, results, seat decisions, and the
  views (tables ``sessions`` and ``spectators``) when they change; the sessions view
  also once a second, for the live list's tick and score.
- Checkpoints: every ``checkpoint_ticks`` ticks (partitions take turns), every active
  session's state, then the partition marker naming them (same changelog partition,
  so in that order).
- Ticks: the ``Ticker`` thread (``ticker.py``) sends one Tick per owned, recovered
  partition per period; the runtime tells it which partitions those are.

Table writes need the context of an event of the same partition (Faust writes a
table's changelog to the partition of the current event); what recovery leaves to be
written waits in ``pending_writes`` for the partition's next event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import Codec, CodecError
from schemas.records import SessionCommand, Tick, decode_command
from streams.sessions.checkpoint import state_from_datum, state_to_datum
from streams.sessions.fold import Effects, result_datum, spectators_datum, view_datum
from streams.sessions.model import SessionState
from streams.sessions.partition import PartitionFold

log = logging.getLogger(__name__)


@dataclass
class RuntimeTopics:
    commands: faust.TopicT
    frames: faust.TopicT
    results: faust.TopicT
    seat_replies: faust.TopicT


@dataclass
class RuntimeTables:
    sessions: faust.Table  # SessionView
    spectators: faust.Table  # SpectatorCount
    state: faust.Table  # SessionState
    checkpoints: faust.Table  # PartitionCheckpoint


@dataclass
class Owned:
    """One owned partition: its fold once recovered, and writes waiting for an event."""

    fold: PartitionFold | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    pending_writes: list[SessionState] = field(default_factory=list)
    ended_pending: list[SessionState] = field(default_factory=list)


class SessionRuntime:
    def __init__(
        self,
        app: faust.App,
        topics: RuntimeTopics,
        tables: RuntimeTables,
        *,
        bootstrap: str,
        checkpoint_ticks: int,
        on_ready_changed: Callable[[list[int]], None] = lambda partitions: None,
    ) -> None:
        self.app = app
        self.topics = topics
        self.tables = tables
        self.codec = Codec()
        self.bootstrap = bootstrap
        self.checkpoint_ticks = checkpoint_ticks
        self.owned: dict[int, Owned] = {}
        # Called with the recovered partitions whenever they change (the ticker's list).
        self.on_ready_changed = on_ready_changed
        # False until the first assignment arrived: before it, "owns nothing" means nothing.
        self.assigned_once = False

    # -- ownership ---------------------------------------------------------------

    def on_revoked(self, revoked: set) -> None:
        for tp in revoked:
            if tp.topic == self.topics.commands.get_topic_name():
                entry = self.owned.pop(tp.partition, None)
                if entry is not None and entry.task is not None:
                    entry.task.cancel()
        self.on_ready_changed(self.ready_partitions())

    def on_assignment_ready(self) -> None:
        """Faust restored the tables of the new assignment: recover owned partitions."""
        self.assigned_once = True
        name = self.topics.commands.get_topic_name()
        for tp in self.app.consumer.assignment():
            if tp.topic == name and tp.partition not in self.owned:
                entry = Owned()
                self.owned[tp.partition] = entry
                entry.task = asyncio.create_task(self._recover(tp.partition, entry), name=f"recover-{tp.partition}")

    def ready_partitions(self) -> list[int]:
        return [p for p, entry in self.owned.items() if entry.fold is not None]

    # -- recovery ----------------------------------------------------------------

    async def _recover(self, partition: int, entry: Owned) -> None:
        started = time.monotonic()
        fold = self._fold_from_checkpoint(partition)
        effects = Effects()
        ended = await self._refold_log(partition, fold, effects)
        entry.pending_writes.extend(fold.sessions.values())
        for state in ended:
            stored = self.tables.state.get(state.session_id.encode())
            if stored is not None and self.codec.decode("SessionState", stored)["status"] == "ended":
                continue  # its result was published before the crash
            entry.ended_pending.append(state)
            await self._send_result(partition, state)
        for decision in effects.decisions:
            await self._send_decision(decision)
        entry.fold = fold
        entry.ready.set()
        self.on_ready_changed(self.ready_partitions())
        log.info(
            "partition %d recovered in %.3f s: %d active sessions, applied offset %d",
            partition, time.monotonic() - started, len(fold.sessions), fold.applied_offset,
        )

    def _fold_from_checkpoint(self, partition: int) -> PartitionFold:
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

    async def _refold_log(self, partition: int, fold: PartitionFold, effects: Effects) -> list[SessionState]:
        tp = TopicPartition(self.topics.commands.get_topic_name(), partition)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        ended: list[SessionState] = []
        try:
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            if fold.applied_offset + 1 < end:
                consumer.seek(tp, fold.applied_offset + 1)
                while await consumer.position(tp) < end:
                    for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                        if record.offset >= end:
                            break
                        command = self._decode(record.value, tp, record.offset)
                        if command is not None:
                            ended.extend(fold.apply(command, record.offset, effects))
        finally:
            await consumer.stop()
        return ended

    # -- folding -------------------------------------------------------------------

    def _decode(self, value: bytes, where: Any, offset: int) -> SessionCommand | None:
        try:
            return decode_command(self.codec, value)
        except CodecError as exc:
            # One unreadable record must not stall every session of its partition.
            log.error("skipping unreadable command at %s@%d: %s", where, offset, exc)
            return None

    async def on_event(self, event: faust.EventT) -> None:
        partition, offset = event.message.partition, event.message.offset
        entry = self.owned.get(partition)
        if entry is None:
            return  # not ours (any more): the owner folds it
        await entry.ready.wait()
        fold = entry.fold
        assert fold is not None
        if entry.pending_writes or entry.ended_pending:
            self._flush_recovered(entry)
        if offset <= fold.applied_offset:
            return
        command = self._decode(event.value, event.message.tp, offset)
        if command is None:
            fold.applied_offset = offset
            return
        effects = Effects()
        ended = fold.apply(command, offset, effects)
        body = command.body
        if type(body) is Tick:
            if effects.frames:
                await self._send_frames(partition, body, effects.frames)
            # Partitions take turns, so their checkpoints do not all fall on one tick.
            if body.tickNo % self.checkpoint_ticks == partition % self.checkpoint_ticks:
                self._checkpoint(fold, body.tickNo, offset)
        for state in ended:
            await self._send_result(partition, state)
            self._write_state(state)
        for decision in effects.decisions:
            await self._send_decision(decision)
        for session_id in effects.changed:
            state = fold.sessions.get(session_id) or next((s for s in ended if s.session_id == session_id), None)
            if state is not None:
                self._write_views(state)

    def _flush_recovered(self, entry: Owned) -> None:
        for state in entry.pending_writes:
            self._write_state(state)
            self._write_views(state)
        for state in entry.ended_pending:
            self._write_state(state)
            self._write_views(state)
        entry.pending_writes.clear()
        entry.ended_pending.clear()

    # -- writing -------------------------------------------------------------------

    def _checkpoint(self, fold: PartitionFold, tick_no: int, offset: int) -> None:
        for state in fold.sessions.values():
            self._write_state(state)
            # The live list's tick and score, once a second; counts change with seats.
            self._write_session_view(state)
        marker = {
            "partition": fold.partition,
            "engineVersion": 0,
            "seq": tick_no,
            "offset": offset,
            "activeSessions": list(fold.sessions),
        }
        self.tables.checkpoints[str(fold.partition).encode()] = self.codec.encode("PartitionCheckpoint", marker)

    def _write_state(self, state: SessionState) -> None:
        self.tables.state[state.session_id.encode()] = self.codec.encode("SessionState", state_to_datum(state))

    def _write_session_view(self, state: SessionState) -> None:
        self.tables.sessions[state.session_id.encode()] = self.codec.encode("SessionView", view_datum(state))

    def _write_views(self, state: SessionState) -> None:
        self._write_session_view(state)
        self.tables.spectators[state.session_id.encode()] = self.codec.encode(
            "SpectatorCount", spectators_datum(state)
        )

    async def _send_frames(self, partition: int, body: Tick, frames: list[dict]) -> None:
        batch = {"partition": partition, "tickNo": body.tickNo, "scheduledAtUs": body.scheduledAtUs, "frames": frames}
        await self.topics.frames.send(value=self.codec.encode("FrameBatch", batch), partition=partition)

    async def _send_result(self, partition: int, state: SessionState) -> None:
        await self.topics.results.send(
            key=state.session_id.encode(),
            value=self.codec.encode("RunResult", result_datum(state)),
            partition=partition,
        )

    async def _send_decision(self, decision: dict) -> None:
        await self.topics.seat_replies.send(
            key=decision["requestId"].encode(), value=self.codec.encode("SeatDecision", decision)
        )
