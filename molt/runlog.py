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
import sys
from collections import defaultdict
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from molt.logreader import LogReader
from schemas.codec import Codec
from schemas.records import decode_command
from schemas.topics import SESSION_COMMANDS, SESSION_FRAMES, SESSION_RESULTS
from streams.sessions.verify import RunCheck, check_run

LOOKBACK_MS = 10_000
LOOKAHEAD_MS = 60_000
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
                        found[result["sessionId"]].append(Logged(topic, partition, record.offset, record.timestamp, result))
        return dict(found)

    async def commands(self, result: dict) -> list[Logged]:
        """The run's records and the partition's Ticks, from its first to its last offset."""
        offsets = result["commandOffsets"]
        own = result["sessionId"].encode()
        topic, partition = self.topics.commands, offsets["partition"]
        out: list[Logged] = []
        async for chunk in self.reader.chunks(topic, partition, offsets["first"], offsets["last"] + 1):
            for record in chunk:
                # Other sessions' records are left undecoded: the fold would skip them.
                if record.key == own or record.key == _TICK_KEY:
                    command = decode_command(self.codec, record.value)
                    out.append(Logged(topic, partition, record.offset, record.timestamp, command))
        return out

    async def frames(self, result: dict) -> list[Logged]:
        """The frames published for the run, in log order (see the module docstring)."""
        if result["ticks"] == 0 or result["startedAtMs"] is None:
            return []
        topic, partition = self.topics.frames, result["commandOffsets"]["partition"]
        session_id, final = result["sessionId"], result["ticks"]
        needle = session_id.encode()
        give_up_ms = result["endedAtMs"] + LOOKAHEAD_MS
        first = await self.reader.offset_at(topic, partition, result["startedAtMs"] - LOOKBACK_MS)
        out: list[Logged] = []
        async with aclosing(self.reader.chunks(topic, partition, first, sys.maxsize)) as chunks:
            async for chunk in chunks:
                for record in chunk:
                    if record.timestamp > give_up_ms:
                        return out
                    if needle not in record.value:
                        continue  # a batch without this session: no need to decode it
                    batch = self.codec.decode("FrameBatch", record.value)
                    for frame in batch["frames"]:
                        if frame["sessionId"] == session_id:
                            out.append(Logged(topic, partition, record.offset, record.timestamp, frame))
                            if frame["seq"] == final:
                                return out
                await asyncio.sleep(0)  # a long run is many chunks: let the edge's other work in
        return out

    async def check(self, results: list[Logged]) -> RunCheck:
        """Re-simulate one session's run from its commands and compare it with what was published."""
        datums = [logged.value for logged in results]
        commands = await self.commands(datums[0])
        frames = await self.frames(datums[0])
        return check_run(datums, [(c.offset, c.value) for c in commands], [f.value for f in frames])
