"""The floor under every latency the runtime adds: one raw aiokafka produce → consume.

On a scratch topic of one partition, a producer sends a small record and a consumer
already waiting on that partition receives it; one record at a time, so each sample is
a full round trip through the broker with nothing queued ahead of it. The producer
acknowledges like the product's producers (acks=all); the topic is deleted afterwards.
"""

from __future__ import annotations

import secrets
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.kafkaclients import client_options

# Round trips before timing starts: metadata, connections and the first fetch settle.
WARM_UP = 20
PAYLOAD = b"x" * 100


async def roundtrip_ms(bootstrap: str, messages: int) -> list[float]:
    """``messages`` produce → consume round trips, in milliseconds."""
    topic = f"molt-bench-roundtrip-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(**client_options(bootstrap), client_id="molt-bench")
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        return await _measure(bootstrap, TopicPartition(topic, 0), messages)
    finally:
        await admin.delete_topics([topic])
        await admin.close()


async def _measure(bootstrap: str, tp: TopicPartition, messages: int) -> list[float]:
    producer = AIOKafkaProducer(**client_options(bootstrap), acks="all")
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_end(tp)
        samples = []
        for _ in range(WARM_UP + messages):
            began = time.perf_counter()
            await producer.send(tp.topic, PAYLOAD, partition=tp.partition)
            await consumer.getone(tp)
            samples.append((time.perf_counter() - began) * 1000)
        return samples[WARM_UP:]
    finally:
        await consumer.stop()
        await producer.stop()
