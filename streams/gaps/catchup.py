"""Each newly assigned partition's records since the committed offsets, read straight from Kafka.

Faust may never hand an agent some records after the committed offset around a
takeover, and commit past them (gaps 3 and 4 in ``streams.gaps``). So at every
assignment a ``CatchUp`` reads the agent's new partitions itself (through
``infra.logreader``), from the group's committed offsets (0 where nothing is committed)
to their ends, and hands the records read to the agent with each partition's first
event, which folds them in before that event.

- An event of a partition waits for the partition's read; an event of a partition the
  agent does not own (any more) is dropped: its owner handles it.
- A partition is read again whenever it is assigned again. aiokafka's rebalances are
  eager (every partition is revoked, then assigned): every rebalance reads them all.
- One admin client and one reader per assignment, whatever the number of partitions.
- A read Kafka fails is retried until it succeeds or a rebalance starts: an agent going
  on without it could miss those records for good.
- ``since`` adds topics read from offsets the agent chooses (the rewards pipeline reads
  rewards.outcomes from its mark), in the same read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import faust
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from infra.kafkaclients import client_options
from infra.logreader import LogReader
from streams.rebalances import follow_rebalances

log = logging.getLogger(__name__)

END_OF_LOG = 2**62
RETRY_S = 1.0

Backlog = dict[str, list[tuple[int, bytes]]]  # per topic, (offset, value) of the records read, in order


@dataclass
class _Owned:
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    revoked: bool = False
    backlog: Backlog = field(default_factory=dict)  # read, not handed to the agent yet


class CatchUp:
    """The catch-up of one agent reading ``topics``: co-partitioned, ownership follows the first."""

    def __init__(
        self,
        app: faust.App,
        bootstrap: str,
        topics: Sequence[str],
        since: Callable[[int], Mapping[str, int]] | None = None,
    ) -> None:
        self.app = app
        self.bootstrap = bootstrap
        self.topics = tuple(topics)
        self.since = since
        self._owned: dict[int, _Owned] = {}
        self._reading: asyncio.Task | None = None

    def connect(self) -> None:
        """Follow the app's rebalances."""
        follow_rebalances(self.app, self.on_revoked, self.on_assignment_ready)

    def on_revoked(self, revoked: set[TopicPartition]) -> None:
        for tp in revoked:
            if tp.topic == self.topics[0] and (entry := self._owned.pop(tp.partition, None)) is not None:
                entry.revoked = True
                entry.ready.set()  # the events waiting for it are dropped
        if self._reading is not None:
            # The rebalance's end reads again what is still owned and not read yet.
            self._reading.cancel()
            self._reading = None

    def on_assignment_ready(self) -> None:
        """Faust recovered the tables of a new assignment: read the partitions new to the agent."""
        for tp in self.app.consumer.assignment():
            if tp.topic == self.topics[0] and tp.partition not in self._owned:
                self._owned[tp.partition] = _Owned()
        if self._reading is None and self._unread():
            self._reading = asyncio.create_task(self._read_unread(), name=f"catch-up-{self.topics[0]}")

    def ready_partitions(self) -> list[int]:
        return [p for p, entry in self._owned.items() if entry.ready.is_set()]

    async def backlog(self, partition: int) -> Backlog | None:
        """What to fold before an event of ``partition``, or None: the event is not the agent's.

        The records read at assignment come with the partition's first event, none with later ones.
        """
        entry = self._owned.get(partition)
        if entry is None:
            return None
        await entry.ready.wait()
        if entry.revoked:
            return None
        backlog, entry.backlog = entry.backlog, {}
        return backlog

    def _unread(self) -> list[int]:
        return sorted(p for p, entry in self._owned.items() if not entry.ready.is_set())

    async def _read_unread(self) -> None:
        while unread := self._unread():
            try:
                await self._read(unread)
            except KafkaError as exc:
                log.warning("catching up on %s %s failed, retrying: %s", self.topics[0], unread, exc)
                await asyncio.sleep(RETRY_S)
        self._reading = None

    async def _read(self, partitions: list[int]) -> None:
        started = time.monotonic()
        committed = await self._committed(partitions)
        async with LogReader(self.bootstrap) as reader:
            for partition in partitions:
                first = {topic: committed[TopicPartition(topic, partition)] for topic in self.topics}
                if self.since is not None:
                    first.update(self.since(partition))
                entry = self._owned[partition]  # a revocation would have cancelled this read
                entry.backlog = {
                    topic: await reader.read_range(topic, partition, offset, END_OF_LOG)
                    for topic, offset in first.items()
                }
                entry.ready.set()
                log.info(
                    "%s partition %d caught up in %.3f s: %s",
                    self.topics[0],
                    partition,
                    time.monotonic() - started,
                    ", ".join(
                        f"{len(entry.backlog[topic])} of {topic} from {offset}" for topic, offset in first.items()
                    ),
                )

    async def _committed(self, partitions: list[int]) -> dict[TopicPartition, int]:
        """The group's committed offset of each of ``partitions`` of each topic (0 where there is none)."""
        tps = [TopicPartition(topic, partition) for partition in partitions for topic in self.topics]
        admin = AIOKafkaAdminClient(**client_options(self.bootstrap))
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self.app.conf.id, partitions=tps)
        finally:
            await admin.close()
        return {tp: max(offsets[tp].offset, 0) if tp in offsets else 0 for tp in tps}
