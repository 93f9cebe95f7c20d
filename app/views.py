"""A compacted topic materialised in the edge's memory: the edge's read model.

The edge never calls a worker synchronously: it reads every partition of a view's
changelog from the beginning, keeps the newest value per key, and keeps following.
Each value is read into its typed form (``schemas.views``) once, as it arrives.
``caught_up`` is set once it has read up to the end offsets seen at start (this is
what /readyz reports, with ``running`` and ``catch_up``). ``wait_for`` lets a write wait
for the worker's view of it. A Kafka error while following is retried with backoff;
any other error ends the view, and /readyz says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition

from app.kafkawait import within
from app.topicfollower import next_batches
from infra.aio import cancel_and_wait
from infra.backoff import Backoff
from infra.kafkaclients import client_options
from schemas.codec import Codec, CodecError

log = logging.getLogger(__name__)

V = TypeVar("V")


class MaterializedView(Generic[V]):
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        schema: str,
        codec: Codec,
        partitions: int,
        read: Callable[[dict[str, Any]], V],
    ) -> None:
        self.topic = topic
        self._partitions = partitions
        self._bootstrap = bootstrap
        self._schema = schema
        self._codec = codec
        self._read = read
        self._values: dict[str, V] = {}
        self._waiters: dict[str, list[tuple[Callable[[V], bool], asyncio.Future]]] = {}
        self._listeners: list[Callable[[str, V], None]] = []
        self.caught_up = asyncio.Event()
        self._positions: dict[TopicPartition, int] = {}
        self._progress = asyncio.Condition()
        self._task: asyncio.Task | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def get(self, key: str) -> V | None:
        return self._values.get(key)

    def values(self) -> list[V]:
        return list(self._values.values())

    def waiting(self) -> int:
        """Keys someone is waiting on (``wait_for``)."""
        return len(self._waiters)

    def subscribe(self, listener: Callable[[str, V], None]) -> None:
        """Call ``listener(key, value)`` on every update from now on."""
        self._listeners.append(listener)

    async def wait_for(self, key: str, predicate: Callable[[V], bool], timeout: float) -> V | None:
        """The value of ``key`` once ``predicate`` holds for it, or None on timeout."""
        current = self._values.get(key)
        if current is not None and predicate(current):
            return current
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(key, [])
            if (predicate, future) in waiters:
                waiters.remove((predicate, future))
            if not waiters:
                self._waiters.pop(key, None)

    @property
    def running(self) -> bool:
        """Whether the view still follows its topic."""
        return self._task is not None and not self._task.done()

    async def catch_up(self, timeout: float) -> bool:
        """Wait until every record written before this call has been read.

        False if not read within ``timeout``; ``KafkaUnavailable`` if Kafka did not say
        within it what the topic holds.
        """
        assert self._consumer is not None
        deadline = asyncio.get_running_loop().time() + timeout
        asked = self._consumer.end_offsets(self._all_partitions())
        targets = await within(asked, timeout, f"a read of {self.topic}'s end offsets")

        def reached() -> bool:
            return all(self._positions.get(tp, 0) >= end for tp, end in targets.items())

        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(reached), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                return False
        return True

    def _all_partitions(self) -> list[TopicPartition]:
        return [TopicPartition(self.topic, p) for p in range(self._partitions)]

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            **client_options(self._bootstrap),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=f"view-{self.topic}",
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"view:{self.topic}")
        self._task.add_done_callback(self._on_done)

    def _on_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            # The edge cannot serve a view it no longer follows: say so loudly;
            # /readyz reports the view as not caught up from here on.
            self.caught_up.clear()
            log.error("view %s stopped following its topic", self.topic, exc_info=task.exception())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._consumer is not None:
            await self._consumer.stop()

    async def _assign_all(self) -> dict[TopicPartition, int]:
        consumer = self._consumer
        assert consumer is not None
        # Every topic of the product has the configured partition count (checked by
        # `ensure_topics`), so the view assigns them without a metadata round trip.
        tps = self._all_partitions()
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        return await consumer.end_offsets(tps)

    async def _run(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        targets = await self._assign_all()
        pending = {tp for tp, end in targets.items() if end > 0}
        if not pending:
            self.caught_up.set()
        backoff = Backoff()
        while True:
            batches = await next_batches(consumer, 500, backoff, self.topic)
            for tp, records in batches.items():
                for record in records:
                    self._apply(record.key, record.value)
                if records:
                    self._positions[tp] = records[-1].offset + 1
                if tp in pending and consumer.highwater(tp) is not None:
                    if await consumer.position(tp) >= targets[tp]:
                        pending.discard(tp)
            if not pending and not self.caught_up.is_set():
                self.caught_up.set()
            if batches:
                async with self._progress:
                    self._progress.notify_all()

    def _apply(self, raw_key: bytes | None, raw_value: bytes | None) -> None:
        if raw_key is None:
            return
        key = raw_key.decode()
        if raw_value is None:  # tombstone
            self._values.pop(key, None)
            return
        try:
            value = self._read(self._codec.decode(self._schema, raw_value))
        except CodecError as exc:
            log.error("skipping unreadable %s record for %s: %s", self.topic, key, exc)
            return
        self._values[key] = value
        for listener in self._listeners:
            listener(key, value)
        for predicate, future in list(self._waiters.get(key, ())):
            if not future.done() and predicate(value):
                future.set_result(value)
