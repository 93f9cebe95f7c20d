"""The shell around the partition folds: own, recover, fold, publish, checkpoint.

One ``SessionRuntime`` per worker process. Faust decides which partitions a worker owns
(its consumer group, on the ``<app>-table-turns`` topic, co-partitioned with the
session topics and the tables); the runtime reads session.commands itself, in
batches, with plain consumers. Why not a Faust agent on
session.commands: Faust hands an agent one record at a time at about 175 µs of CPU
each, which caps a worker at roughly 2,000 records a second, while ``getmany`` reads
the same log at about 95,000 (measured side by side, see the README). A thousand live
sessions send about 4,000 inputs a second.

For each owned partition:

- Recovery, by a task with a consumer of its own: the fold starts from the partition's
  last checkpoint (tables ``partition_checkpoints`` and ``session_state``) and re-folds
  the log from there to the end offset seen at assignment. Frames are not re-sent; results and seat
  decisions are (at-least-once, keyed by sessionId / requestId); a run whose result
  the table already records is not.
- Then one consumer reads every recovered partition (``reader``), from each one's
  ``applied_offset`` + 1: every batch is folded record by record, partition by
  partition (records at or below ``applied_offset`` are skipped), then published: one
  FrameBatch per Tick, results, seat decisions, and SnapshotTriggered records
  forwarded to session.snapshot-triggers for the rewards pipeline.
- Table writes (views, session states, checkpoints) are queued per partition. Faust
  writes a table only inside an event of the table's partition, so the runtime asks
  for a turn: it sends a ``TableTurn`` to its partition of the turns topic, and the
  agent on that topic (``take_turn``) writes the queue in that event's context, in
  order, so a checkpoint's marker always follows the states it names. Views are
  queued as the sessions whose views changed and written as they stand at the turn:
  a session opened, joined and ended before its turn is one view record, not three,
  and its spectator count is written only when the count or the capacity changed.
  (A session's life, opened, joined and ended with nothing else going on, costs the
  worker about 6 ms of CPU, most of it Kafka's and Faust's machinery around each
  record; writing its views this way took a tenth off its event loop's share.)
- Checkpoints: every ``checkpoint_ticks`` ticks (partitions take turns), every active
  session's state, then the marker. A session's views are written when it changes
  (opened, live, seats, ended), not as it ticks: the edge reads every frame anyway and
  takes a live session's tick and score from its latest one. Rewriting a thousand views
  a second through Faust's changelog producer, one record at a time, kept it thousands
  of records behind.

Ticks come from the clock process (``clock.py``); the runtime tells it which
partitions are recovered through ``on_ready_changed``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import Codec, CodecError
from schemas.framebatch import FrameBatchWriter
from schemas.records import SessionCommand, SnapshotTriggered, Tick, decode_command
from streams.sessions import reader
from streams.sessions.checkpoint import state_from_datum, state_to_datum
from streams.sessions.direct import DirectTopic
from streams.sessions.fold import Effects, result_datum, spectators_datum, view_datum
from streams.sessions.model import SessionState
from streams.sessions.partition import PartitionFold
from streams.sim.registry import ENGINES

log = logging.getLogger(__name__)


@dataclass
class RuntimeTopics:
    commands: faust.TopicT
    frames: faust.TopicT | DirectTopic
    results: faust.TopicT
    seat_replies: faust.TopicT | DirectTopic
    triggers: faust.TopicT
    turns: faust.TopicT


@dataclass
class RuntimeTables:
    sessions: faust.Table  # SessionView
    spectators: faust.Table  # SpectatorCount
    state: faust.Table  # SessionState
    checkpoints: faust.Table  # PartitionCheckpoint


@dataclass
class Outbox:
    """What one batch of records asks to publish, in log order."""

    frames: list[tuple[Tick, list[dict]]] = field(default_factory=list)
    results: list[SessionState] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    triggers: list[tuple[str, bytes]] = field(default_factory=list)  # (sessionId, the record as read)


@dataclass
class Owned:
    """One owned partition: its fold once recovered, and table writes awaiting a turn."""

    partition: int
    fold: PartitionFold | None = None
    task: asyncio.Task | None = None
    table_writes: list[tuple[faust.Table, bytes, bytes]] = field(default_factory=list)
    # Sessions whose views are to be written at the next turn, as they stand then.
    views_due: dict[str, SessionState] = field(default_factory=dict)
    # (current, max) of each active session's spectator count as last written.
    spectators_written: dict[str, tuple[int, int]] = field(default_factory=dict)
    turn_requested: bool = False
    turns: int = 0


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
        self.frame_batches = FrameBatchWriter(self.codec)
        if not self.frame_batches.compiled or any(
            engine.frame_writer is None or engine.stepper is None for engine in ENGINES.values()
        ):
            log.warning("steps and frames run on the Python references: reinstall the project to compile their twins")
        self.bootstrap = bootstrap
        self.checkpoint_ticks = checkpoint_ticks
        self.owned: dict[int, Owned] = {}
        # Called with the recovered partitions whenever they change (the ticker's list).
        self.on_ready_changed = on_ready_changed
        # False until the first assignment arrived: before it, "owns nothing" means nothing.
        self.assigned_once = False
        # One consumer reads every recovered partition (see streams.sessions.reader).
        self._reader = reader.CommandReader(bootstrap, topics.commands.get_topic_name())
        self._reading: asyncio.Task | None = None

    # -- ownership ---------------------------------------------------------------

    def on_revoked(self, revoked: set) -> None:
        for tp in revoked:
            if tp.topic == self.topics.turns.get_topic_name():
                entry = self.owned.pop(tp.partition, None)
                if entry is not None and entry.task is not None:
                    entry.task.cancel()
        self._reader.assign(self._positions())
        self.on_ready_changed(self.ready_partitions())

    def on_assignment_ready(self) -> None:
        """Faust restored the tables of the new assignment: run the owned partitions."""
        self.assigned_once = True
        if self._reading is None:
            self._reading = asyncio.create_task(self._read(), name="read-commands")
        name = self.topics.turns.get_topic_name()
        for tp in self.app.consumer.assignment():
            if tp.topic == name and tp.partition not in self.owned:
                entry = Owned(tp.partition)
                self.owned[tp.partition] = entry
                entry.task = asyncio.create_task(self._own(entry), name=f"partition-{tp.partition}")

    def ready_partitions(self) -> list[int]:
        return [p for p, entry in self.owned.items() if entry.fold is not None]

    # -- the partition's task -------------------------------------------------------

    async def _own(self, entry: Owned) -> None:
        """Recover the partition on a consumer of its own, then hand it to the shared reader."""
        tp = TopicPartition(self.topics.commands.get_topic_name(), entry.partition)
        consumer = reader.consumer(self.bootstrap)
        await consumer.start()
        try:
            consumer.assign([tp])
            await self._recover(entry, consumer, tp)
            self._reader.assign(self._positions())
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._fail(f"partition {entry.partition} failed to recover")
        finally:
            await consumer.stop()

    async def _read(self) -> None:
        """Fold and publish what the shared reader brings, partition by partition."""
        await self._reader.start()
        try:
            while True:
                for partition, records in (await self._reader.read()).items():
                    entry = self.owned.get(partition)
                    if entry is None or entry.fold is None:
                        continue  # revoked since it was fetched
                    outbox = Outbox()
                    for record in records:
                        self.fold_record(entry, entry.fold, record.value, record.offset, outbox, live=True)
                    await self.publish(entry, outbox)
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._fail("reading session.commands failed")
        finally:
            await self._reader.stop()

    def _positions(self) -> dict[int, int]:
        """Where the shared reader goes on in each recovered partition: after its last folded record."""
        return {p: entry.fold.applied_offset + 1 for p, entry in self.owned.items() if entry.fold is not None}

    async def _fail(self, what: str) -> None:
        # A partition that stops folding must not go unnoticed: the worker stops, and
        # the group gives its partitions to another worker.
        log.exception("%s; stopping the worker", what)
        await self.app.crash(RuntimeError(what))

    async def _recover(self, entry: Owned, consumer: AIOKafkaConsumer, tp: TopicPartition) -> None:
        """Fold the partition from its checkpoint to the end seen now; ``entry.fold`` is the result."""
        started = time.monotonic()
        fold = self._fold_from_checkpoint(entry.partition)
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, fold.applied_offset + 1)
        outbox = Outbox()
        while await consumer.position(tp) < end:
            batch = (await consumer.getmany(tp, timeout_ms=1000, max_records=reader.MAX_BATCH)).get(tp, [])
            for record in batch:
                # What lies beyond the end seen at assignment is the present: its frames go out.
                self.fold_record(entry, fold, record.value, record.offset, outbox, live=record.offset >= end)
        for state in fold.sessions.values():
            self._queue_state(entry, state)
            self._queue_views(entry, state)
        # Runs that ended while nobody folded: publish their results once.
        outbox.results = [state for state in outbox.results if not self._stored_as_ended(state)]
        await self.publish(entry, outbox)
        entry.fold = fold
        self.on_ready_changed(self.ready_partitions())
        log.info(
            "partition %d recovered in %.3f s: %d active sessions, applied offset %d",
            entry.partition,
            time.monotonic() - started,
            len(fold.sessions),
            fold.applied_offset,
        )

    def _stored_as_ended(self, state: SessionState) -> bool:
        stored = self.tables.state.get(state.session_id.encode())
        return stored is not None and self.codec.decode("SessionState", stored)["status"] == "ended"

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

    # -- folding -------------------------------------------------------------------

    def _decode(self, value: bytes, partition: int, offset: int) -> SessionCommand | None:
        try:
            return decode_command(self.codec, value)
        except CodecError as exc:
            # One unreadable record must not stall every session of its partition.
            log.error("skipping unreadable command at %d@%d: %s", partition, offset, exc)
            return None

    def fold_record(
        self, entry: Owned, fold: PartitionFold, value: bytes, offset: int, outbox: Outbox, *, live: bool
    ) -> None:
        """Fold one record of the partition; what to publish goes to ``outbox``, table writes to the queue."""
        if offset <= fold.applied_offset:
            return  # folded already (a checkpoint's records, or a redelivery)
        command = self._decode(value, entry.partition, offset)
        if command is None:
            fold.applied_offset = offset
            return
        effects = Effects(want_frames=live)
        ended = fold.apply(command, offset, effects)
        body = command.body
        if type(body) is Tick:
            if effects.frames:
                outbox.frames.append((body, effects.frames))
            # Partitions take turns, so their checkpoints do not all fall on one tick.
            if body.tickNo % self.checkpoint_ticks == entry.partition % self.checkpoint_ticks:
                self._queue_checkpoint(entry, fold, body.tickNo, offset)
        if type(body) is SnapshotTriggered:
            # Forwarded whatever the session's state (re-folds forward again: the
            # rewards pipeline pays a run once however often it hears of a trigger).
            outbox.triggers.append((command.sessionId, value))
        for state in ended:
            outbox.results.append(state)
            self._queue_state(entry, state)
        outbox.decisions.extend(effects.decisions)
        for session_id in effects.changed:
            state = fold.sessions.get(session_id) or next((s for s in ended if s.session_id == session_id), None)
            if state is not None:
                self._queue_views(entry, state)

    # -- publishing ----------------------------------------------------------------

    async def publish(self, entry: Owned, outbox: Outbox) -> None:
        # Seat decisions first: a viewer's HTTP request waits on each one.
        for decision in outbox.decisions:
            await self._send_decision(decision)
        for body, frames in outbox.frames:
            await self._send_frames(entry.partition, body, frames)
        for state in outbox.results:
            await self._send_result(entry.partition, state)
        for session_id, value in outbox.triggers:
            await self.topics.triggers.send(key=session_id.encode(), value=value, partition=entry.partition)
        if (entry.table_writes or entry.views_due) and not entry.turn_requested:
            entry.turn_requested = True
            entry.turns += 1
            turn = {"partition": entry.partition, "turn": entry.turns}
            await self.topics.turns.send(value=self.codec.encode("TableTurn", turn), partition=entry.partition)

    def take_turn(self, partition: int) -> None:
        """In the context of a turns-topic event of ``partition``: write its queued tables."""
        entry = self.owned.get(partition)
        if entry is None:
            return  # not ours (any more)
        writes, entry.table_writes = entry.table_writes, []
        views, entry.views_due = entry.views_due, {}
        entry.turn_requested = False
        for table, key, value in writes:
            table[key] = value
        for state in views.values():
            self._write_views(entry, state)

    async def _send_frames(self, partition: int, body: Tick, frames: list[dict]) -> None:
        value = self.frame_batches.encode(partition, body.tickNo, body.scheduledAtUs, frames)
        await self.topics.frames.send(value=value, partition=partition)

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

    # -- table writes (queued, written in a turn) -------------------------------------

    def _queue(self, entry: Owned, table: faust.Table, key: str, value: bytes) -> None:
        entry.table_writes.append((table, key.encode(), value))

    def _queue_checkpoint(self, entry: Owned, fold: PartitionFold, tick_no: int, offset: int) -> None:
        for state in fold.sessions.values():
            self._queue_state(entry, state)
        marker = {
            "partition": fold.partition,
            "engineVersion": 0,
            "seq": tick_no,
            "offset": offset,
            "activeSessions": list(fold.sessions),
        }
        self._queue(
            entry, self.tables.checkpoints, str(fold.partition), self.codec.encode("PartitionCheckpoint", marker)
        )

    def _queue_state(self, entry: Owned, state: SessionState) -> None:
        self._queue(
            entry, self.tables.state, state.session_id, self.codec.encode("SessionState", state_to_datum(state))
        )

    def _queue_views(self, entry: Owned, state: SessionState) -> None:
        entry.views_due[state.session_id] = state

    def _write_views(self, entry: Owned, state: SessionState) -> None:
        """In a turn: the session's view, and its spectator count if that changed."""
        key = state.session_id.encode()
        self.tables.sessions[key] = self.codec.encode("SessionView", view_datum(state))
        count = (len(state.seats), state.spectators_max)
        if entry.spectators_written.get(state.session_id) != count:
            self.tables.spectators[key] = self.codec.encode("SpectatorCount", spectators_datum(state))
            entry.spectators_written[state.session_id] = count
        if not state.active:
            entry.spectators_written.pop(state.session_id, None)  # never written again
