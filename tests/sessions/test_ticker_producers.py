"""The clock counts undelivered ticks per producer: deliveries a replaced producer never
completes do not hold back its successor (producers stand in for a broker that went away
with ticks in flight, and for one that answers)."""

from __future__ import annotations

import asyncio

from streams.sessions.ticker import Ticker

TICK_RATE = 30


class Producer:
    """Takes ticks; completes their deliveries or, like a broker gone mid-flight, never does."""

    def __init__(self, *, delivers: bool, enough: int) -> None:
        self.delivers = delivers
        self.enough = enough
        self.sent = 0
        self.sent_enough = asyncio.Event()

    async def send(self, topic: str, value: bytes, key: bytes, partition: int) -> asyncio.Future:
        self.sent += 1
        if self.sent >= self.enough:
            self.sent_enough.set()
        delivery = asyncio.get_running_loop().create_future()
        if self.delivers:
            delivery.set_result(None)
        return delivery


async def tick_until_enough(ticker: Ticker, producer: Producer) -> None:
    ticking = asyncio.create_task(ticker._tick_forever(producer))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(producer.sent_enough.wait(), 10)
    finally:
        ticking.cancel()


async def test_a_new_producer_ticks_though_the_old_one_left_a_second_of_ticks_undelivered() -> None:
    ticker = Ticker(bootstrap="unused:9092", topic="t", producer_id="p", tick_rate=TICK_RATE, paused=lambda: False)
    ticker.set_partitions([0])
    gone = Producer(delivers=False, enough=TICK_RATE + 1)  # past the bound: the clock skips from here
    await tick_until_enough(ticker, gone)
    answering = Producer(delivers=True, enough=5)
    await tick_until_enough(ticker, answering)
    assert answering.sent >= 5
