"""What the catch-up tests share: records written and offsets committed on the real broker, and
the part of a Faust app a catch-up uses."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata


async def produce(bootstrap: str, records: list[tuple[str, int, bytes]]) -> None:
    """Write each (topic, partition, value), in order, acknowledged by Kafka."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, partition, value in records:
            await producer.send_and_wait(topic, value, partition=partition)
    finally:
        await producer.stop()


async def commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit ``offsets`` for ``group``, as Faust would have before a takeover."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()


def faust_app(group: str, assignment: set[TopicPartition]) -> Any:
    """Stands in for a Faust app: its group id, and its consumer's current ``assignment`` (kept, not copied)."""
    return SimpleNamespace(conf=SimpleNamespace(id=group), consumer=SimpleNamespace(assignment=lambda: assignment))


def event(topic: str, partition: int, offset: int, value: bytes) -> Any:
    """Stands in for a Faust event handed to an agent."""
    return SimpleNamespace(
        value=value, message=SimpleNamespace(topic=topic, partition=partition, offset=offset, value=value)
    )
