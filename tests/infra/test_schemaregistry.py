"""The schemas in a real schema registry (the suite's Apicurio): every subject holds the
committed history and the current version under BACKWARD compatibility, the registry
itself refuses an incompatible change, and the failure modes say what failed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.localkafka import free_port
from infra.localregistry import LocalRegistry
from infra.logreader import LogReader
from infra.registryclient import RegistryClient, RegistryUnavailable, SchemaRefused
from infra.runlog import RunLog, RunTopics, session_partition
from infra.schemaregistry import ensure_schemas, schema_versions, subject
from infra.settings import SchemaRegistrySettings
from molt.processes import molt_argv
from schemas.codec import Codec, UnknownSchemaId
from schemas.compat import expanded_json
from schemas.framing import SchemaIds, header
from schemas.topics import all_topics, view_topic
from tests.schemas.test_codec import RESULT

pytestmark = pytest.mark.integration


def _settings(url: str | None) -> SchemaRegistrySettings:
    assert url is not None, "the suite's registry runs for integration tests"
    return SchemaRegistrySettings(url=url)


def test_every_subject_holds_the_committed_history_then_the_current_version(schema_registry: str) -> None:
    app_id = f"reg-{secrets.token_hex(4)}"
    settings = _settings(schema_registry)
    ids = ensure_schemas(settings, app_id)
    again = ensure_schemas(settings, app_id)  # idempotent: the same ids, no new version
    assert again.current == ids.current
    with RegistryClient(settings) as client:
        for spec in all_topics(app_id):
            name = subject(spec.name)
            assert client.compatibility(name) == "BACKWARD"
            registered = client.versions(name)
            expected = schema_versions(spec.value_schema)
            assert [json.loads(v["schema"]) for v in registered] == [json.loads(doc) for doc, _ in expected]
            assert registered[-1]["id"] == ids.current[spec.value_schema]
            for version, (_, digest) in zip(registered, expected, strict=True):
                assert ids.fingerprints[version["id"]] == digest


def test_the_registry_refuses_an_incompatible_change_and_takes_a_compatible_one(schema_registry: str) -> None:
    app_id = f"reg-{secrets.token_hex(4)}"
    settings = _settings(schema_registry)
    ensure_schemas(settings, app_id)
    name = subject(view_topic(app_id, "spectators").name)
    document = expanded_json(Path(__file__).parents[2] / "schemas" / "avro", "SpectatorCount")
    required = {**document, "fields": [*document["fields"], {"name": "added", "type": "long"}]}
    optional = {**document, "fields": [*document["fields"], {"name": "added", "type": "long", "default": 0}]}
    with RegistryClient(settings) as client:
        with pytest.raises(SchemaRefused) as refused:
            client.register(name, json.dumps(required))
        assert name in str(refused.value) and schema_registry in str(refused.value)
        assert client.register(name, json.dumps(optional)) > 0
        assert len(client.versions(name)) == 2


def test_a_registry_that_does_not_answer_at_start_is_named(kafka_bootstrap: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
    env = {**os.environ, "MOLT_KAFKA_BOOTSTRAP": kafka_bootstrap, "MOLT_SCHEMA_REGISTRY_URL": dead,
           "MOLT_TOPICS_PARTITIONS": "4"}  # fmt: skip
    done = subprocess.run(molt_argv("topics"), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 7, done.stdout + done.stderr
    assert "error SCHEMA_REGISTRY_UNAVAILABLE:" in done.stderr and dead in done.stderr


async def test_writers_keep_their_ids_while_the_registry_is_away_and_an_unknown_id_is_named(
    kafka_bootstrap: str, topic_partitions: int, tmp_path: Path
) -> None:
    """A registry of its own, stopped once the ids are resolved: records are still written
    and read with them; an id nobody told the reader of is an error naming it and the topic."""
    own = SchemaRegistrySettings().model_copy(update={"url": None, "port": free_port(), "log_dir": tmp_path})
    registry = LocalRegistry(own, report=lambda _: None)
    url = registry.start()
    try:
        ids = ensure_schemas(own, "reg-away")
    finally:
        registry.stop()
    assert ids.lookup is not None
    with pytest.raises(RegistryUnavailable):
        ids.lookup(1)
    topics = RunTopics.prefixed(f"away-{secrets.token_hex(4)}.")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topics.results, topic_partitions, 1)])
    finally:
        await admin.close()
    codec = Codec(ids=ids)
    unknown = SchemaIds(current={}, fingerprints={}, lookup=ids.lookup, source=ids.source)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        value = codec.encode("RunResult", RESULT)
        assert value[:5] == header(ids.current["RunResult"])
        partition = session_partition(RESULT["sessionId"], topic_partitions)
        await producer.send_and_wait(topics.results, value, key=RESULT["sessionId"].encode(), partition=partition)
    finally:
        await producer.stop()
    async with LogReader(kafka_bootstrap) as reader:
        found = await RunLog(reader, topic_partitions, topics, codec).results(RESULT["sessionId"])
        assert found[RESULT["sessionId"]][0].value["score"] == RESULT["score"]
        with pytest.raises(UnknownSchemaId) as raised:
            await RunLog(reader, topic_partitions, topics, Codec(ids=unknown)).results()
    message = str(raised.value)
    assert f"schema id {ids.current['RunResult']}" in message and topics.results in message and url in message
