"""Following every partition of a topic from its end, handing each record to a callback.

The edge reads live streams this way (frames, seat decisions): no consumer group, so
every edge process sees every record, and nothing is replayed on start. A follower
``since_ms`` a time starts at the first record written at or after it instead (the
sign-in nonce claims that can still matter). A Kafka error is retried with backoff;
any other ends the follower, and /readyz reports it (``running``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from infra.aio import cancel_and_wait
from infra.backoff import Backoff
from infra.kafkaclients import client_options

log = logging.getLogger(__name__)


class TopicFollower:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partitions: int,
        on_record: Callable[[ConsumerRecord], None],
        since_ms: int | None = None,
    ) -> None:
        self.topic = topic
        self._since_ms = since_ms
        self._tps = [TopicPartition(topic, p) for p in range(partitions)]
        self._consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        self._on_record = on_record
        self._task: asyncio.Task | None = None
        self.started = asyncio.Event()

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_end(*self._tps)
        if self._since_ms is not None:
            # A partition with nothing written since then stays at its end.
            found = await self._consumer.offsets_for_times(dict.fromkeys(self._tps, self._since_ms))
            for tp, at in found.items():
                if at is not None:
                    self._consumer.seek(tp, at.offset)
        for tp in self._tps:  # fix the start position now: records after this are seen
            await self._consumer.position(tp)
        self.started.set()
        self._task = asyncio.create_task(self._run(), name=f"follow:{self.topic}")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self._consumer.stop()

    async def _run(self) -> None:
        backoff = Backoff()
        while True:
            batches = await next_batches(self._consumer, 1000, backoff, self.topic)
            for records in batches.values():
                for record in records:
                    try:
                        self._on_record(record)
                    except Exception:  # one bad record must not stop the stream for everyone
                        log.exception("dropping a %s record the edge could not handle", self.topic)


async def next_batches(
    consumer: AIOKafkaConsumer, timeout_ms: int, backoff: Backoff, topic: str
) -> dict[TopicPartition, list]:
    """The consumer's next batches; after a Kafka error, none, once ``backoff`` has been waited."""
    try:
        batches = await consumer.getmany(timeout_ms=timeout_ms)
    except KafkaError as exc:
        log.warning("following %s failed (%s); retrying", topic, exc)
        await asyncio.sleep(backoff.next_delay())  # a backoff, not a wait for an event
        return {}
    backoff.reset()
    return batches
