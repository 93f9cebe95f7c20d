"""Commands reach the log in the order they were numbered, even when batches fill up."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from infra.appender import CommandAppender
from schemas.codec import Codec
from schemas.records import SeatRequested
from tests.commands import fresh_topic

pytestmark = pytest.mark.integration

COMMANDS = 400


async def test_concurrent_appends_keep_the_session_numbers_in_log_order(kafka_bootstrap: str) -> None:
    topic = await fresh_topic(kafka_bootstrap, "appender", 1)
    # Batches of a few records: most appends find the batch full and wait for it to
    # drain, which is when a later command could overtake an earlier one.
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True, max_batch_size=600
    )
    await producer.start()
    try:
        appender = CommandAppender(producer, Codec(), "test:appender", topic=topic)

        async def request(n: int) -> tuple[int, int]:
            delivery = await appender.append("ses_order", 1, SeatRequested(f"req_{n}", f"anon_{n}", "public"))
            return n, (await delivery).offset

        # Asked for one after another, as requests arrive, while earlier ones still wait.
        asked = []
        for n in range(COMMANDS):
            asked.append(asyncio.create_task(request(n)))
            await asyncio.sleep(0)  # let the earlier ones run up to their first wait
        offsets = dict(await asyncio.gather(*asked))
    finally:
        await producer.stop()
    # Request n was numbered n + 1 (asked for in this order, numbered in turn); every one
    # must sit in the log after the ones numbered before it.
    in_log_order = sorted(offsets, key=offsets.get)
    assert in_log_order == list(range(COMMANDS))
