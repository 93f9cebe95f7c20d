"""The session runtime: one per worker process, the shell wiring the parts that run its partitions.

Faust's group decides which partitions the worker owns (``ownership``); the runtime
reads session.commands itself, in batches with plain consumers, because a Faust agent
takes each record one at a time at a cost that caps a worker far below the inputs of
its sessions. Each owned partition is recovered by a task of its own (``recovery``),
then read by the one consumer shared by every recovered partition (``reader``). Each
batch is folded record by record (``folding``), then published (``publishing``); table
writes wait for the partition's turn (``turns``), taken by the agent on the turns
topic (``take_turn``). Ticks come from the clock process (``clock``), which learns the
recovered partitions through ``on_ready_changed``.

A partition that fails to recover, or a reader that fails, stops the worker: the group
then gives its partitions to another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import faust
from aiokafka import TopicPartition

from schemas.codec import Codec
from streams.sessions import reader
from streams.sessions.folding import RecordFolder
from streams.sessions.ownership import Owned, Ownership
from streams.sessions.partition import PartitionFold
from streams.sessions.publishing import Outbox, Publisher
from streams.sessions.recovery import Recovery
from streams.sessions.turns import TableTurns
from streams.sessions.wiring import RuntimeTables, RuntimeTopics
from streams.sim.registry import ENGINES

log = logging.getLogger(__name__)


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
        self.checkpoint_ticks = checkpoint_ticks
        codec = Codec()
        self.turns = TableTurns(topics, tables, codec)
        self.folder = RecordFolder(codec, self.turns, checkpoint_ticks)
        self.publisher = Publisher(topics, codec)
        commands = topics.commands.get_topic_name()
        self.recovery = Recovery(bootstrap, commands, tables, codec, self.folder, self.turns)
        self.ownership = Ownership(topics.turns.get_topic_name(), self._own)
        # Called with the recovered partitions whenever they change (the ticker's list).
        self.on_ready_changed = on_ready_changed
        self._reader = reader.CommandReader(bootstrap, commands)
        self._reading: asyncio.Task | None = None
        if not self.publisher.frame_batches.compiled or any(
            getattr(engine, "frame_writer", None) is None or getattr(engine, "stepper", None) is None
            for engine in ENGINES.values()
        ):
            log.warning("steps and frames run on the Python references: reinstall the project to compile their twins")

    @property
    def owned(self) -> dict[int, Owned]:
        return self.ownership.owned

    @property
    def assigned_once(self) -> bool:
        return self.ownership.assigned_once

    def ready_partitions(self) -> list[int]:
        return self.ownership.ready()

    def held(self) -> dict[str, int]:
        """How many entries the owned partitions' per-session structures hold, in all
        (``recently_ended`` is a bounded memory, not per live session)."""
        entries = list(self.owned.values())
        folds = [entry.fold for entry in entries if entry.fold is not None]
        return {
            "sessions": sum(len(fold.sessions) for fold in folds),
            "recently_ended": sum(len(fold.recently_ended) for fold in folds),
            "views_due": sum(len(entry.queue.views_due) for entry in entries),
            "spectators_written": sum(len(entry.queue.spectators_written) for entry in entries),
        }

    # -- Faust's calls -------------------------------------------------------------

    def on_revoked(self, revoked: set[TopicPartition]) -> None:
        self.ownership.revoke(revoked)
        self._reader.assign(self.ownership.positions())
        self.on_ready_changed(self.ownership.ready())

    def on_assignment_ready(self) -> None:
        """Faust restored the tables of the new assignment: run the owned partitions."""
        if self._reading is None:
            self._reading = asyncio.create_task(self._read(), name="read-commands")
        self.ownership.assign(self.app.consumer.assignment())

    def take_turn(self, partition: int) -> None:
        """In the context of a turns-topic event of ``partition``: write its queued tables."""
        entry = self.owned.get(partition)
        if entry is not None:  # else not ours (any more)
            self.turns.take(entry.queue)

    # -- the tasks -------------------------------------------------------------------

    async def _own(self, entry: Owned) -> None:
        """Recover the partition, then hand it to the shared reader."""
        try:
            started = time.monotonic()
            fold, outbox = await self.recovery.recover(entry.partition, entry.queue)
            await self.publish(entry, outbox)
            entry.fold = fold
            self.on_ready_changed(self.ownership.ready())
            log.info(
                "partition %d recovered in %.3f s: %d active sessions, applied offset %d",
                entry.partition,
                time.monotonic() - started,
                len(fold.sessions),
                fold.applied_offset,
            )
            self._reader.assign(self.ownership.positions())
        except asyncio.CancelledError:
            raise
        except Exception:
            await self._fail(f"partition {entry.partition} failed to recover")

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

    async def _fail(self, what: str) -> None:
        log.exception("%s; stopping the worker", what)
        await self.app.crash(RuntimeError(what))

    # -- one batch of a partition ----------------------------------------------------

    def fold_record(
        self, entry: Owned, fold: PartitionFold, value: bytes, offset: int, outbox: Outbox, *, live: bool
    ) -> None:
        self.folder.fold(entry.queue, fold, value, offset, outbox, live=live)

    async def publish(self, entry: Owned, outbox: Outbox) -> None:
        """Send what the batch asks for, then ask for a turn if it queued table writes."""
        await self.publisher.publish(entry.partition, outbox)
        await self.turns.request(entry.queue, entry.partition)
