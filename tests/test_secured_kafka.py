"""The product against a broker that takes only secured clients, as a managed one does.

The local broker listens for clients with SASL_SSL only (SCRAM-SHA-512 credentials set
when its storage is formatted, PLAIN logins in its config) and with SSL that requires a
client certificate (mutual TLS); certificates are made here (``tests/tls.py``). A real
worker and edge, the SDK, a spectator and ``molt replay`` all reach it through the
``MOLT_KAFKA_*`` settings, the password coming from a file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError
from websockets.asyncio.client import connect

from infra.kafkaclients import client_options
from infra.localkafka import free_port, start_scratch_kafka
from infra.securebroker import SecuredListeners
from infra.settings import KafkaSettings
from molt.processes import molt_argv
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from schemas.topics import REWARDS_OUTCOMES
from tests.commands import TopicReader
from tests.conftest import stack_with_a_worker
from tests.tls import Pki, make_pki

pytestmark = pytest.mark.integration

USER = "molt-app"
# A refused login must be reported well before a client's own timeouts would end a hang.
REFUSED_WITHIN_S = 15.0
CLI_TIMEOUT_S = 180


@dataclass(frozen=True)
class SecuredBroker:
    bootstrap: str  # SASL_SSL
    mtls_bootstrap: str  # SSL with client certificates
    pki: Pki
    password: str
    env: tuple[str, ...]  # the names of the MOLT_KAFKA_* settings the module sets


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    """The broker, with this process's MOLT_KAFKA_* settings (inherited by every process the
    module starts) logging in to it as USER."""
    if KafkaSettings().is_external:
        pytest.skip("MOLT_KAFKA_BOOTSTRAP names an external cluster: no local broker is started")
    root = tmp_path_factory.mktemp("secured")
    pki = make_pki(root / "pki")
    password = secrets.token_hex(16)
    password_file = root / "password"
    password_file.write_text(f"{password}\n")
    listeners = SecuredListeners(pki.ca_file, pki.broker_keystore, ((USER, password),), free_port())
    security = {
        "MOLT_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "MOLT_KAFKA_USERNAME": USER,
        "MOLT_KAFKA_PASSWORD_FILE": str(password_file),
        "MOLT_KAFKA_CA_FILE": str(pki.ca_file),
    }
    with pytest.MonkeyPatch.context() as env:
        for name, value in security.items():
            env.setenv(name, value)
        bootstrap, stop = start_scratch_kafka(root / "kafka", listeners)
        try:
            yield SecuredBroker(bootstrap, f"127.0.0.1:{listeners.mtls_port}", pki, password, tuple(security))
        finally:
            stop()


@pytest.fixture(scope="module")
def secured_stack(
    secured: SecuredBroker, topic_partitions: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    yield from stack_with_a_worker(secured.bootstrap, tmp_path_factory.mktemp("secured-stack"), topic_partitions)


@pytest.fixture(scope="module")
def secured_edge(secured_stack: Stack) -> Edge:
    return secured_stack.start_edge("edge-1")


def policy(state: dict) -> str | None:
    return "flap" if state["tick"] % 9 == 0 and state["tick"] < 120 else None


async def watch(edge_url: str, session_id: str, welcomed: asyncio.Event) -> list[dict]:
    """A public spectator's messages, from its welcome to the end of the run."""
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        response = await http.post(f"/api/games/flappy-bots/sessions/{session_id}/spectate-token-public")
    assert response.status_code == 200, response.text
    token = response.json()
    seen: list[dict] = []
    async with connect(token["wsUrl"]) as ws:
        await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
        while not seen or seen[-1]["t"] != "end":
            seen.append(json.loads(await asyncio.wait_for(ws.recv(), 60)))
            welcomed.set()
    return seen


async def test_a_run_is_played_watched_paid_and_replayed_through_sasl_ssl(
    secured_stack: Stack, secured_edge: Edge
) -> None:
    async with (
        TopicReader(secured_stack.bootstrap, REWARDS_OUTCOMES.name, "RunOutcome", secured_stack.partitions) as paid,
        await MoltClient.register(secured_edge.url, "secured-bot") as client,
    ):
        session_id = (await client.create_session("flappy-bots", seed=11))["sessionId"]
        welcomed = asyncio.Event()
        spectator = asyncio.create_task(watch(secured_edge.url, session_id, welcomed))
        # Watching from before the start: the spectator sees the whole run and its end.
        await asyncio.wait_for(welcomed.wait(), 60)
        result = await client.play_with("flappy-bots", session_id, policy)
        seen = await spectator
        outcomes = await paid.until(lambda records: any(r["sessionId"] == session_id for r in records), 120)
    assert seen[0]["t"] == "welcome" and any(m["t"] == "frame" for m in seen)
    assert seen[-1]["result"]["finalStateHash"] == result["finalStateHash"]
    [outcome] = [o for o in outcomes if o["sessionId"] == session_id]
    assert (outcome["score"], outcome["finalStateHash"]) == (result["score"], result["finalStateHash"])
    replay = await asyncio.to_thread(
        subprocess.run,
        molt_argv("replay", session_id),
        env={**os.environ, **secured_stack.env()},
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout.strip().endswith("MATCH")


async def test_a_wrong_password_is_refused_at_once_and_says_why(
    secured: SecuredBroker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("MOLT_KAFKA_PASSWORD_FILE")
    monkeypatch.setenv("MOLT_KAFKA_PASSWORD", "not-" + secured.password)
    admin = AIOKafkaAdminClient(**client_options(secured.bootstrap))
    started = time.monotonic()
    try:
        with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
            await admin.start()
    finally:
        await admin.close()
    assert time.monotonic() - started < REFUSED_WITHIN_S
    assert "invalid credentials with SASL mechanism SCRAM-SHA-512" in caplog.text
    assert secured.password not in caplog.text


@pytest.fixture
def own_settings(secured: SecuredBroker, monkeypatch: pytest.MonkeyPatch) -> type[KafkaSettings]:
    """KafkaSettings for a client of a test's own: the module's security settings lifted."""
    for name in secured.env:
        monkeypatch.delenv(name)
    return KafkaSettings


async def round_trip(bootstrap: str, settings: KafkaSettings) -> bytes:
    """A record through a topic of its own, as ``settings`` log in: what the consumer read back."""
    topic = f"round-trip-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(**client_options(bootstrap, settings))
    try:
        await admin.start()
        await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(**client_options(bootstrap, settings), acks="all")
    consumer = AIOKafkaConsumer(**client_options(bootstrap, settings), enable_auto_commit=False)
    async with producer, consumer:
        await producer.send_and_wait(topic, b"secured")
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.seek_to_beginning()
        return (await asyncio.wait_for(consumer.getone(), 30)).value


async def test_mutual_tls_carries_a_record_and_needs_the_client_certificate(
    secured: SecuredBroker, own_settings: type[KafkaSettings]
) -> None:
    pki = secured.pki
    mtls = own_settings(
        security_protocol="SSL", ca_file=pki.ca_file, cert_file=pki.client_cert, key_file=pki.client_key
    )
    assert await round_trip(secured.mtls_bootstrap, mtls) == b"secured"
    anonymous = own_settings(security_protocol="SSL", ca_file=pki.ca_file)
    with pytest.raises(KafkaConnectionError):
        await round_trip(secured.mtls_bootstrap, anonymous)


async def test_plain_logs_in_and_plaintext_is_refused(
    secured: SecuredBroker, own_settings: type[KafkaSettings]
) -> None:
    plain = own_settings(
        security_protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        username=USER,
        password=secured.password,
        ca_file=secured.pki.ca_file,
    )
    assert await round_trip(secured.bootstrap, plain) == b"secured"
    started = time.monotonic()
    with pytest.raises(KafkaConnectionError):
        await round_trip(secured.bootstrap, own_settings(security_protocol="PLAINTEXT"))
    assert time.monotonic() - started < REFUSED_WITHIN_S
