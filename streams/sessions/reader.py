"""One consumer reading session.commands for every partition a worker has recovered.

One consumer, not one per partition: every consumer sends its own fetch request each
time its partition gets a record, and the clock appends every partition's tick at the
same instant, so a consumer per partition sends a fetch request and handles a response
per partition and tick where one would carry them all, and those dominate the
worker's CPU.

Positions are the runtime's, not the consumer's: ``assign`` takes each partition's next
offset to fold, and every change of the assignment seeks every partition to it (a
changed assignment resets the consumer's positions). Records fetched before a re-seek
may come again; the fold skips what it has applied.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from infra.kafkaclients import client_options

# How long a fetch waits on the broker for records, and getmany for a fetch, ms.
POLL_MS = 100
# Records per getmany: enough for a tick's worth of inputs of many sessions.
MAX_BATCH = 2000


class CommandReader:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self._consumer: AIOKafkaConsumer | None = None
        self._positions: dict[int, int] = {}
        self._changed = asyncio.Event()

    async def start(self) -> None:
        # Made here, not in __init__: a consumer binds to the running loop.
        self._consumer = consumer(self.bootstrap)
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    def assign(self, positions: dict[int, int]) -> None:
        """Read exactly these partitions, each from its given offset."""
        self._positions = dict(positions)
        self._changed.set()

    async def read(self) -> dict[int, list[ConsumerRecord]]:
        """The next records, by partition; waits while no partition is assigned."""
        while True:
            if self._changed.is_set():
                self._apply()
            if self._positions:
                assert self._consumer is not None, "read before start"
                batches = await self._consumer.getmany(timeout_ms=POLL_MS, max_records=MAX_BATCH)
                if self._changed.is_set():
                    continue  # fetched for the old assignment: re-seek and read again
                return {tp.partition: records for tp, records in batches.items() if records}
            await self._changed.wait()

    def _apply(self) -> None:
        assert self._consumer is not None, "read before start"
        self._changed.clear()
        tps = {TopicPartition(self.topic, partition): offset for partition, offset in self._positions.items()}
        self._consumer.assign(list(tps))
        for tp, offset in tps.items():
            self._consumer.seek(tp, offset)


def consumer(bootstrap: str) -> AIOKafkaConsumer:
    """A consumer of session.commands outside any group: the runtime says what it reads."""
    return AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False, fetch_max_wait_ms=POLL_MS)
