"""A topic the runtime writes with a producer of its own, outside Faust's.

Seat decisions and frames go this way, each topic on its own producer (frames
compressed: ``schemas.topics.FRAMES_COMPRESSION``). aiokafka keeps
one produce request in flight per broker, so on Faust's shared producer a decision,
which a viewer's HTTP request is waiting for, queued behind in-flight frames and
changelog writes, and frames queued behind changelog writes. Neither needs Faust's
producer: they are not table writes, and Faust's commit need not wait for them (a
recovering worker re-sends decisions from the log and never re-sends frames). Faust's
send also passes every record through its own buffer task and sensors, a cost the
worker's largest output need not pay.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from infra.brokerprobe import answers
from infra.kafkaclients import client_options

# aiokafka's send waits while a partition's pending batch is full, until the sender
# takes it, which is not before the request in flight is answered. One FrameBatch of
# 250 sessions on 8 partitions (about 19 KB) fills a default batch (16 KiB) by itself,
# and the runtime publishes its partitions one after another, so one such wait holds
# every partition. Batches up to this size take a whole tick's records while a request
# is in flight (the broker accepts 1 MB).
MAX_BATCH_BYTES = 512 * 1024


class DirectTopic:
    def __init__(self, bootstrap: str, name: str, *, compression: str | None = None) -> None:
        self.bootstrap = bootstrap
        self.name = name
        self.compression = compression
        self._producer: AIOKafkaProducer | None = None
        self._started = asyncio.Event()

    def get_topic_name(self) -> str:
        return self.name

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **client_options(self.bootstrap),
            acks="all",
            enable_idempotence=True,
            linger_ms=0,
            max_batch_size=MAX_BATCH_BYTES,
            compression_type=self.compression,
        )
        await self._producer.start()
        self._started.set()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def reachable(self) -> bool:
        """Whether the cluster answers this topic's producer now (False before ``start``)."""
        return self._producer is not None and await answers(self._producer.client)

    async def send(self, *, value: bytes, key: bytes | None = None, partition: int | None = None) -> asyncio.Future:
        """Append (waits for ``start`` if a record comes first); returns the delivery."""
        await self._started.wait()
        assert self._producer is not None
        return await self._producer.send(self.name, value, key=key, partition=partition)
