"""Where an ended run's records lie in the topics, read back for replay, export and playback.

- Results: a run's RunResult is on session.results, keyed by its sessionId, so on the
  partition Kafka's default partitioner gives that key (as for its commands: the
  session topics are co-partitioned). A result may be there more than once (a worker
  re-sends it after a crash; another consumer group folding the same log sends its own).
- Commands: the result names the partition and the offsets of the run's first
  (SessionOpened) and last (the record that ended it) command records. The run's own
  records and the partition's Ticks in that range are all the fold needs.
- Frames: the worker publishes a FrameBatch per partition tick on the same partition of
  session.frames; the run's frames are found by time. A frame is produced after the
  Tick it answers, so no frame of the run is older than the run's start
  (``startedAtMs``, the edge's clock, hence ``LOOKBACK_MS`` for the clocks of two
  hosts); reading stops at the run's final frame (tick = the result's ticks), or past
  ``LOOKAHEAD_MS`` after its end when that frame was never published, or at the end
  of the partition. Frames are kept one day: after that the list is empty.

``RunTopics`` names the three topics; a prefix reads a mirrored copy of them (MirrorMaker
2 names remote topics ``<source alias>.<topic>``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord

from molt.logreader import LogReader
from schemas.codec import Codec
from schemas.framebatch import decode_batch
from schemas.records import decode_command
from schemas.topics import SESSION_COMMANDS, SESSION_FRAMES, SESSION_RESULTS
from streams.sessions.verify import RunCheck, check_run

LOOKBACK_MS = 10_000
LOOKAHEAD_MS = 60_000
# Runs read together: at most this many, and a gap of more records than this between
# one run's last offset and the next one's first starts a new read (idle Ticks are skipped).
BATCH_RUNS = 200
BATCH_GAP = 2_000
_TICK_KEY = b""  # Ticks are keyed by partition, with an empty key


@dataclass(frozen=True, slots=True)
class RunTopics:
    commands: str = SESSION_COMMANDS.name
    frames: str = SESSION_FRAMES.name
    results: str = SESSION_RESULTS.name

    @classmethod
    def prefixed(cls, prefix: str) -> RunTopics:
        return cls(*(prefix + name for name in (SESSION_COMMANDS.name, SESSION_FRAMES.name, SESSION_RESULTS.name)))


@dataclass(frozen=True, slots=True)
class Logged:
    """A record read back, with where it lay: a SessionCommand, a RunResult or a SessionFrame datum."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: Any


def session_partition(session_id: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a session (as every producer does)."""
    every = list(range(partitions))
    return DefaultPartitioner()(session_id.encode(), every, every)


class RunLog:
    def __init__(
        self, reader: LogReader, partitions: int, topics: RunTopics = RunTopics(), codec: Codec | None = None
    ) -> None:
        self.reader = reader
        # Every session topic has the configured count (``molt.topics.ensure_topics`` checks it).
        self.partitions = partitions
        self.topics = topics
        self.codec = codec or Codec()

    async def results(self, session_id: str | None = None) -> dict[str, list[Logged]]:
        """Published RunResults by sessionId, in log order: every run's, or one session's."""
        topic = self.topics.results
        if session_id is None:
            partitions, key = range(self.partitions), None
        else:
            partitions, key = [session_partition(session_id, self.partitions)], session_id.encode()
        found: defaultdict[str, list[Logged]] = defaultdict(list)
        for partition in partitions:
            async for chunk in self.reader.chunks(topic, partition, 0, sys.maxsize):
                for record in chunk:
                    if key is None or record.key == key:
                        result = self.codec.decode("RunResult", record.value)
                        logged = Logged(topic, partition, record.offset, record.timestamp, result)
                        found[result["sessionId"]].append(logged)
        return dict(found)

    async def commands(self, results: Sequence[dict]) -> list[Logged]:
        """The records of runs of one partition and its Ticks, from their first offset to their last."""
        topic = self.topics.commands
        return [
            Logged(topic, record.partition, record.offset, record.timestamp, decode_command(self.codec, record.value))
            for record in await self._command_records(results)
        ]

    async def _command_records(self, results: Sequence[dict]) -> list[ConsumerRecord]:
        """``commands`` undecoded: other sessions' records are left out (the fold would skip them)."""
        partition = results[0]["commandOffsets"]["partition"]
        wanted = {result["sessionId"].encode() for result in results} | {_TICK_KEY}
        first = min(result["commandOffsets"]["first"] for result in results)
        last = max(result["commandOffsets"]["last"] for result in results)
        return [
            record
            async for chunk in self.reader.chunks(self.topics.commands, partition, first, last + 1)
            for record in chunk
            if record.key in wanted
        ]

    async def frames(self, results: Sequence[dict]) -> dict[str, list[Logged]]:
        """The frames published for runs of one partition, by session, in log order (see the module docstring)."""
        finals = {r["sessionId"]: r["ticks"] for r in results if r["ticks"] > 0 and r["startedAtMs"] is not None}
        out: dict[str, list[Logged]] = {session_id: [] for session_id in finals}
        if not finals:
            return out
        topic, partition = self.topics.frames, results[0]["commandOffsets"]["partition"]
        # One run's read (the edge's) leaves the batches without it undecoded.
        needle = next(iter(finals)).encode() if len(finals) == 1 else b""
        started = min(r["startedAtMs"] for r in results if r["sessionId"] in finals)
        give_up_ms = max(r["endedAtMs"] for r in results if r["sessionId"] in finals) + LOOKAHEAD_MS
        first = await self.reader.offset_at(topic, partition, started - LOOKBACK_MS)
        async with aclosing(self.reader.chunks(topic, partition, first, sys.maxsize)) as chunks:
            async for chunk in chunks:
                for record in chunk:
                    if record.timestamp > give_up_ms:
                        return out
                    if needle not in record.value:
                        continue
                    for frame in decode_batch(self.codec, record.value)["frames"]:
                        session_id = frame["sessionId"]
                        if session_id in finals:
                            out[session_id].append(Logged(topic, partition, record.offset, record.timestamp, frame))
                            if frame["seq"] == finals[session_id]:
                                del finals[session_id]
                                if not finals:
                                    return out
                await asyncio.sleep(0)  # a long run is many chunks: let the edge's other work in
        return out

    async def check(self, runs: Sequence[Sequence[Logged]], pool: Executor | None = None) -> AsyncIterator[RunCheck]:
        """Re-simulate runs (each: one session's published results) and compare with what was published.

        Each run is folded alone from its own offset range, but the log is read once for
        runs of a partition that lie close together (``_batches``): they share its Ticks
        and FrameBatches. With a ``pool`` (of processes), batches are decoded, folded and
        compared there while the next ones are read; checks come out in the same order.
        """
        by_partition: defaultdict[int, list[Sequence[Logged]]] = defaultdict(list)
        for run in runs:
            by_partition[run[0].value["commandOffsets"]["partition"]].append(run)
        loop = asyncio.get_running_loop()
        pending: deque[asyncio.Future[list[RunCheck]]] = deque()
        try:
            for partition in sorted(by_partition):
                for batch in _batches(by_partition[partition]):
                    datums = [[logged.value for logged in run] for run in batch]
                    heads = [results[0] for results in datums]
                    commands = [(r.offset, r.value) for r in await self._command_records(heads)]
                    frames = {sid: [f.value for f in found] for sid, found in (await self.frames(heads)).items()}
                    if pool is None:
                        for check in check_batch(datums, commands, frames, self.codec):
                            yield check
                        continue
                    pending.append(loop.run_in_executor(pool, check_batch, datums, commands, frames))
                    while pending[0].done():
                        for check in pending.popleft().result():
                            yield check
            while pending:
                for check in await pending.popleft():
                    yield check
        finally:
            for future in pending:
                future.cancel()


@contextmanager
def replay_pool() -> Iterator[ProcessPoolExecutor]:
    """Processes that fold runs, one per core, while the log is read here."""
    # Forked, not spawned: the children start at once with the engines and schemas loaded.
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def check_batch(
    datums: Sequence[Sequence[dict]],
    commands: Sequence[tuple[int, bytes]],
    frames: dict[str, list[dict]],
    codec: Codec | None = None,
) -> list[RunCheck]:
    """Check runs of one partition read together: ``datums`` their results, ``commands`` the
    (offset, encoded record) of their range, ``frames`` their published frames by session."""
    codec = codec or _codec()
    decoded = [(offset, decode_command(codec, value)) for offset, value in commands]
    offsets = [offset for offset, _ in decoded]
    checks = []
    for results in datums:
        span = results[0]["commandOffsets"]
        own = decoded[bisect_left(offsets, span["first"]) : bisect_right(offsets, span["last"])]
        checks.append(check_run(results, own, frames.get(results[0]["sessionId"], [])))
    return checks


@cache
def _codec() -> Codec:
    """One codec per process (a pool's workers decode with their own)."""
    return Codec()


def _batches(runs: list[Sequence[Logged]]) -> Iterator[list[Sequence[Logged]]]:
    """The runs of one partition in order of first offset, cut where the log is read apart."""
    runs = sorted(runs, key=lambda run: run[0].value["commandOffsets"]["first"])
    batch: list[Sequence[Logged]] = []
    last = -1
    for run in runs:
        span = run[0].value["commandOffsets"]
        if batch and (len(batch) == BATCH_RUNS or span["first"] > last + BATCH_GAP):
            yield batch
            batch, last = [], -1
        batch.append(run)
        last = max(last, span["last"])
    if batch:
        yield batch
