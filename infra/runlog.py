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
- A page of one run's frames (``session_frames``, a viewer rewinding a live run) starts
  at an offset the caller knows (the edge's tick index) or at the time its first tick
  can have been published at the earliest (``first_frame_offset``: one tick per
  ``TICK_MS`` after the start, the clock never runs ahead), and reads forward.

``RunTopics`` names the three topics; a prefix reads a mirrored copy of them (MirrorMaker
2 names remote topics ``<source alias>.<topic>``).
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from collections.abc import AsyncGenerator, Iterator, Mapping, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord

from infra.logreader import LogReader
from schemas.codec import Codec, UnknownSchemaId
from schemas.framebatch import decode_batch
from schemas.records import decode_command
from schemas.topics import SESSION_COMMANDS, SESSION_FRAMES, SESSION_RESULTS

LOOKBACK_MS = 10_000
LOOKAHEAD_MS = 60_000
TICK_MS = 1000 // 30
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
class RunEnd:
    """Where an ended run stops: its final tick, and when it ended (ms)."""

    tick: int
    ended_at_ms: int


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


@contextmanager
def naming(topic: str) -> Iterator[None]:
    """An unknown schema id met while reading ``topic`` names the topic too."""
    try:
        yield
    except UnknownSchemaId as exc:
        raise exc.on(topic) from exc


class RunLog:
    def __init__(
        self, reader: LogReader, partitions: int, topics: RunTopics = RunTopics(), codec: Codec | None = None
    ) -> None:
        self.reader = reader
        # Every session topic has the configured count (``infra.topicadmin.ensure_topics`` checks it).
        self.partitions = partitions
        self.topics = topics
        self.codec = codec or Codec()

    async def results(self, session_id: str | None = None) -> dict[str, list[Logged]]:
        """Published RunResults by sessionId, in log order: every run's, or one session's."""
        topic = self.topics.results
        partitions: Sequence[int]
        if session_id is None:
            partitions, key = range(self.partitions), None
        else:
            partitions, key = [session_partition(session_id, self.partitions)], session_id.encode()
        found: defaultdict[str, list[Logged]] = defaultdict(list)
        with naming(topic):
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
        records = await self.command_records(results)
        with naming(topic):
            return [
                Logged(
                    topic, record.partition, record.offset, record.timestamp, decode_command(self.codec, record.value)
                )
                for record in records
            ]

    async def command_records(self, results: Sequence[dict]) -> list[ConsumerRecord]:
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

    async def frames(self, results: Sequence[Mapping[str, Any]]) -> dict[str, list[Logged]]:
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
        first = await self.first_frame_offset(partition, started, 0)
        async with aclosing(self._batches(partition, first, needle)) as batches:
            async for record, frames in batches:
                if record.timestamp > give_up_ms:
                    return out
                for frame in frames:
                    session_id = frame["sessionId"]
                    if session_id in finals:
                        out[session_id].append(Logged(topic, partition, record.offset, record.timestamp, frame))
                        if frame["seq"] == finals[session_id]:
                            del finals[session_id]
                            if not finals:
                                return out
        return out

    async def first_frame_offset(self, partition: int, started_at_ms: int, tick: int) -> int:
        """An offset of session.frames at or before a run's frame of ``tick`` (see the module docstring)."""
        return await self.reader.offset_at(self.topics.frames, partition, started_at_ms + tick * TICK_MS - LOOKBACK_MS)

    async def session_frames(
        self, session_id: str, partition: int, first: int, from_tick: int, limit: int, final: RunEnd | None = None
    ) -> list[dict]:
        """Up to ``limit`` SessionFrame datums of one run from ``from_tick`` on, one per tick,
        in tick order: read from offset ``first`` to the partition's end or, for an ended
        run, its final frame (or past ``LOOKAHEAD_MS`` after its end)."""
        by_tick: dict[int, dict] = {}
        async with aclosing(self._batches(partition, first, session_id.encode())) as batches:
            async for record, frames in batches:
                if final is not None and record.timestamp > final.ended_at_ms + LOOKAHEAD_MS:
                    break
                for frame in frames:
                    if frame["sessionId"] == session_id and frame["seq"] >= from_tick:
                        by_tick.setdefault(frame["seq"], frame)
                if len(by_tick) >= limit or (final is not None and final.tick in by_tick):
                    break
        return [by_tick[tick] for tick in sorted(by_tick)[:limit]]

    async def _batches(self, partition: int, first: int, needle: bytes) -> AsyncGenerator[tuple[ConsumerRecord, list]]:
        """Each FrameBatch record of session.frames from ``first`` on with its frames, in log
        order; one without ``needle`` in its bytes is left undecoded (no frames)."""
        async with aclosing(self.reader.chunks(self.topics.frames, partition, first, sys.maxsize)) as chunks:
            async for chunk in chunks:
                with naming(self.topics.frames):
                    for record in chunk:
                        yield record, decode_batch(self.codec, record.value)["frames"] if needle in record.value else []
                await asyncio.sleep(0)  # a long run is many chunks: let the edge's other work in
