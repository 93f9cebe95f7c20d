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

While the broker is away the clock neither spins nor piles up ticks: with a second of
ticks undelivered it skips ticks (the producer is behind), and after a failed delivery
or a producer that cannot start it backs off (``infra.backoff``). ``stop`` ends it
within ``STOP_TIMEOUT_S`` whatever Kafka does: undelivered ticks are dropped, as a
late tick is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from infra.aio import stop_within
from infra.backoff import Backoff
from infra.kafkaclients import client_options
from schemas.codec import Codec
from schemas.records import SessionCommand, Tick, encode_command
from streams.sessions.pacing import Schedule

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0
# What stopping the producer may take: the rest of STOP_TIMEOUT_S is the thread's.
PRODUCER_STOP_S = 2.0


@dataclass
class InFlight:
    """Ticks one producer sent whose delivery has not completed."""

    count: int = 0


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
        self._task: asyncio.Task | None = None
        self._started = threading.Event()
        # The first failed delivery since the last look.
        self._failure: BaseException | None = None
        self._backoff = Backoff()

    def set_partitions(self, partitions: Iterable[int]) -> None:
        self._partitions = frozenset(partitions)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="ticker", daemon=True)
        self._thread.start()
        self._started.wait()

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._task is None:
            return
        # Cancelled wherever it waits: between ticks, or on a producer the broker never answers.
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(STOP_TIMEOUT_S)
        self._thread = None

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._task = loop.create_task(self._run())
        self._started.set()
        try:
            loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass  # stopped
        finally:
            loop.close()

    async def _run(self) -> None:
        while True:
            producer = AIOKafkaProducer(**client_options(self.bootstrap), acks="all", linger_ms=0)
            try:
                await producer.start()
                await self._tick_forever(producer)
            except KafkaError as exc:
                delay_s = self._backoff.next_delay()
                log.warning("ticker producer failed (%s); retrying in %.1f s", exc, delay_s)
                await asyncio.sleep(delay_s)  # a backoff, not a wait for an event
            finally:
                await stop_within(producer.stop(), PRODUCER_STOP_S, "the ticker's producer")

    async def _tick_forever(self, producer: AIOKafkaProducer) -> None:
        codec = Codec()  # its own: nothing shared with the worker's loop
        schedule = Schedule.start(self.tick_rate, time.time_ns(), time.monotonic_ns())
        tick_no = schedule.next_tick(0, time.monotonic_ns())
        # Ticks this producer sent and not yet delivered. Counted per producer: a replaced
        # producer's deliveries may never complete, and must not hold back its successor.
        in_flight = InFlight()
        while True:
            delay_s = (schedule.due_mono_ns(tick_no) - time.monotonic_ns()) / 1e9
            await asyncio.sleep(max(delay_s, 0.0))  # until the tick is due: pacing, not an event
            if self._failure is not None:
                delay_s = self._backoff.next_delay()
                log.warning("a tick was not delivered (%s); ticking again in %.1f s", self._failure, delay_s)
                self._failure = None
                await asyncio.sleep(delay_s)  # a backoff, not a wait for an event
            elif in_flight.count > self.tick_rate * len(self._partitions):
                pass  # a second of ticks undelivered: the broker is away or slow; skip, as a late tick
            elif not self.paused():
                scheduled_us = schedule.scheduled_wall_us(tick_no)
                for partition in self._partitions:
                    value = encode_command(codec, self._tick(partition, tick_no, scheduled_us))
                    # Appended to the batch now (CreateTime); delivery is checked, not awaited.
                    delivery = await producer.send(self.topic, value, key=b"", partition=partition)
                    in_flight.count += 1
                    delivery.add_done_callback(functools.partial(self._delivered, in_flight))
            tick_no = schedule.next_tick(tick_no, time.monotonic_ns())

    def _delivered(self, in_flight: InFlight, delivery: asyncio.Future) -> None:
        in_flight.count -= 1
        if delivery.cancelled():
            return
        if delivery.exception() is None:
            self._backoff.reset()
        elif self._failure is None:
            # A lost tick is a skipped tick: sessions wait one period longer, nothing breaks.
            self._failure = delivery.exception()

    def _tick(self, partition: int, tick_no: int, scheduled_us: int) -> SessionCommand:
        return SessionCommand(
            sessionId="",
            engineVersion=0,
            producerId=self.producer_id,
            seq=tick_no,
            atMs=scheduled_us // 1000,
            body=Tick(partition=partition, tickNo=tick_no, scheduledAtUs=scheduled_us),
        )
