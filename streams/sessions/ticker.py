"""The tick clock: a thread of its own that appends one Tick per given partition per period.

It runs in the worker's clock process (``clock``): a thread with its own event loop
and its own producer, so nothing else that process does can delay a due tick. (As a
thread of the worker itself it started late whenever the worker's main thread held
the interpreter lock, or was descheduled holding it.)

What to tick comes with ``set_partitions``: a frozenset replaced whole, so the thread
always reads one consistent value without a lock. ``paused`` is read on every tick
(the clock process passes "the worker says a rebalance is under way"): no ticks while
ownership moves.

Pacing is ``Schedule``'s: drift-free against the monotonic clock, late ticks skipped
rather than sent in a burst.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from infra.kafkaclients import client_options
from schemas.codec import Codec
from schemas.records import SessionCommand, Tick, encode_command
from streams.sessions.pacing import Schedule

log = logging.getLogger(__name__)

# How long to wait before retrying a producer that could not start (broker away).
RETRY_S = 1.0
STOP_TIMEOUT_S = 10.0


class Ticker:
    def __init__(
        self,
        *,
        bootstrap: str,
        topic: str,
        producer_id: str,
        tick_rate: int,
        paused: Callable[[], bool],
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.producer_id = producer_id
        self.tick_rate = tick_rate
        self.paused = paused
        self._partitions: frozenset[int] = frozenset()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()

    def set_partitions(self, partitions: Iterable[int]) -> None:
        self._partitions = frozenset(partitions)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="ticker", daemon=True)
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stopping is None:
            return
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STOP_TIMEOUT_S)
        self._thread = None

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._run())
        finally:
            loop.close()

    async def _run(self) -> None:
        self._stopping = asyncio.Event()
        self._started.set()
        while not self._stopping.is_set():
            producer = AIOKafkaProducer(**client_options(self.bootstrap), acks="all", linger_ms=0)
            try:
                await producer.start()
                await self._tick_until_stopped(producer)
            except KafkaError as exc:
                log.warning("ticker producer failed (%s); retrying in %.0f s", exc, RETRY_S)
                await self._wait_stopping(RETRY_S)
            finally:
                await producer.stop()

    async def _wait_stopping(self, timeout: float) -> bool:
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _tick_until_stopped(self, producer: AIOKafkaProducer) -> None:
        codec = Codec()  # its own: nothing shared with the worker's loop
        schedule = Schedule.start(self.tick_rate, time.time_ns(), time.monotonic_ns())
        tick_no = schedule.next_tick(0, time.monotonic_ns())
        while True:
            delay_s = (schedule.due_mono_ns(tick_no) - time.monotonic_ns()) / 1e9
            if await self._wait_stopping(max(delay_s, 0.0)):
                return
            if not self.paused():
                scheduled_us = schedule.scheduled_wall_us(tick_no)
                for partition in self._partitions:
                    value = encode_command(codec, self._tick(partition, tick_no, scheduled_us))
                    # Appended to the batch now (CreateTime); delivery is checked, not awaited.
                    delivery = await producer.send(self.topic, value, key=b"", partition=partition)
                    delivery.add_done_callback(_log_failure)
            tick_no = schedule.next_tick(tick_no, time.monotonic_ns())

    def _tick(self, partition: int, tick_no: int, scheduled_us: int) -> SessionCommand:
        return SessionCommand(
            sessionId="",
            engineVersion=0,
            producerId=self.producer_id,
            seq=tick_no,
            atMs=scheduled_us // 1000,
            body=Tick(partition=partition, tickNo=tick_no, scheduledAtUs=scheduled_us),
        )


def _log_failure(delivery: asyncio.Future) -> None:
    if not delivery.cancelled() and delivery.exception() is not None:
        # A lost tick is a skipped tick: sessions wait one period longer, nothing breaks.
        log.warning("a tick was not delivered: %s", delivery.exception())
