"""Tools nobody here wrote read our topics: ``confluent-kafka``'s consumer, its
schema-registry client and its ``AvroDeserializer``, pointed at the suite's registry,
decode ``session.commands``, ``session.results`` and ``rewards.outcomes`` of a run
played through the real stack into the same records as our codec.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from infra.aio import run_on_own_loop
from infra.runlog import session_partition
from infra.schemaregistry import lookup_ids
from infra.settings import SchemaRegistrySettings
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from schemas.codec import Codec
from schemas.topics import REWARDS_OUTCOMES, SESSION_COMMANDS, SESSION_RESULTS
from tests.molt.test_replay import steered

pytestmark = pytest.mark.integration

TOPICS = {
    SESSION_COMMANDS.name: "SessionCommand",
    SESSION_RESULTS.name: "RunResult",
    REWARDS_OUTCOMES.name: "RunOutcome",
}
OUTCOME_WAIT_S = 120


async def _play(url: str) -> dict:
    async with await MoltClient.register(url, "analysed") as client:
        session = await client.create_session("flappy-bots", seed=77)
        return await client.play_with("flappy-bots", session["sessionId"], steered("flappy-bots"))


def _plain(value: Any) -> Any:
    """A datum without the record names our codec keeps for union branches (the
    deserializer, as fastavro by default, gives the branch's fields alone)."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return _plain(value[1])
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _read(bootstrap: str, partition: int, session_key: bytes) -> dict[str, list[bytes]]:
    """Every value of the run's partition of the three topics (of the run's key, and the
    ticks among its commands), read until its result and outcome are in."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"analyst-{secrets.token_hex(4)}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })  # fmt: skip
    values: dict[str, list[bytes]] = {topic: [] for topic in TOPICS}
    consumer.assign([TopicPartition(topic, partition, 0) for topic in TOPICS])
    deadline = time.monotonic() + OUTCOME_WAIT_S
    try:
        while not (values[REWARDS_OUTCOMES.name] and values[SESSION_RESULTS.name]) and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=500, timeout=1.0):
                if message.error() is not None:
                    assert message.error().code() == KafkaError._PARTITION_EOF, message.error()
                    continue
                if message.topic() == SESSION_COMMANDS.name or message.key() == session_key:
                    values[message.topic()].append(message.value())
    finally:
        consumer.close()
    return values


def test_confluent_kafkas_avro_deserializer_reads_what_our_codec_reads(
    stack: Stack, edge: Edge, schema_registry: str
) -> None:
    result = run_on_own_loop(_play(edge.url))
    session_id = result["sessionId"]
    values = _read(stack.bootstrap, session_partition(session_id, stack.partitions), session_id.encode())
    assert all(values.values()), {topic: len(found) for topic, found in values.items()}

    # What an analyst writes: a registry client and a deserializer, nothing of ours.
    with SchemaRegistryClient({"url": schema_registry}) as registry:
        deserialize = AvroDeserializer(registry)
        # Ours, as replay and export read: ids asked of the registry as they are met.
        codec = Codec(ids=lookup_ids(SchemaRegistrySettings(url=schema_registry)))
        for topic, found in values.items():
            for value in found:
                assert value[:1] == b"\x00"  # the standard framing
                theirs = deserialize(value, SerializationContext(topic, MessageField.VALUE))
                assert theirs == _plain(codec.decode(TOPICS[topic], value))
        outcome = deserialize(
            values[REWARDS_OUTCOMES.name][0], SerializationContext(REWARDS_OUTCOMES.name, MessageField.VALUE)
        )
        assert outcome["sessionId"] == session_id and outcome["score"] == result["score"]
