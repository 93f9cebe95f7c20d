"""The tick clock thread on the real broker: what it ticks, in order, and switching partitions."""

from __future__ import annotations

import pytest

from streams.sessions.ticker import Ticker
from tests.commands import TopicReader, fresh_topic

pytestmark = pytest.mark.integration

PARTITIONS = 3


def tick(record: dict) -> dict:
    name, body = record["body"]  # the codec reads a union as (type name, value)
    assert name.endswith("Tick")
    return body


async def test_ticks_only_the_partitions_it_is_given_in_increasing_order(kafka_bootstrap: str) -> None:
    topic = await fresh_topic(kafka_bootstrap, "ticker", PARTITIONS)
    ticker = Ticker(bootstrap=kafka_bootstrap, topic=topic, producer_id="t:ticker", tick_rate=30, paused=lambda: False)
    ticker.set_partitions([0, 2])
    ticker.start()
    try:
        async with TopicReader(kafka_bootstrap, topic, "SessionCommand", PARTITIONS) as reader:
            records = await reader.until(lambda rs: sum(tick(r)["partition"] == 0 for r in rs) >= 10)
            ticked = {tick(r)["partition"] for r in records}
            assert ticked == {0, 2}
            for partition in (0, 2):
                numbers = [tick(r)["tickNo"] for r in records if tick(r)["partition"] == partition]
                assert numbers == sorted(set(numbers)), "tick numbers strictly increase"
                assert all(r["seq"] == tick(r)["tickNo"] for r in records)
                assert all(r["producerId"] == "t:ticker" for r in records)

            ticker.set_partitions([1])
            seen = len(records)
            records = await reader.until(lambda rs: sum(tick(r)["partition"] == 1 for r in rs[seen:]) >= 5)
            # The switch falls between two ticks: no old partition ticks after the first new one.
            first_new = min(tick(r)["tickNo"] for r in records[seen:] if tick(r)["partition"] == 1)
            assert all(tick(r)["tickNo"] < first_new for r in records[seen:] if tick(r)["partition"] != 1)

            # Given every partition, it ticks every partition.
            ticker.set_partitions([0, 1, 2])
            seen = len(records)
            await reader.until(lambda rs: {tick(r)["partition"] for r in rs[seen:]} == {0, 1, 2})
    finally:
        ticker.stop()
