"""LocalKafka against a real broker: each test starts its own on free ports in tmp_path."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.localkafka import (
    LocalKafka,
    LocalKafkaError,
    check_single_kafka_version,
    free_ports,
    render_server_properties,
)
from infra.settings import KafkaSettings


def local_settings(tmp_path: Path, **overrides: object) -> KafkaSettings:
    port, controller_port = free_ports(2)
    fields = {
        "bootstrap": None,  # these tests are about the local broker, whatever the env says
        "port": port,
        "controller_port": controller_port,
        "data_dir": tmp_path / "data",
        "log_dir": tmp_path / "logs",
    }
    return KafkaSettings(**(fields | overrides))


def quiet(settings: KafkaSettings) -> LocalKafka:
    return LocalKafka(settings, report=lambda _: None)


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def accepts_connections(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[LocalKafka]:
    with quiet(local_settings(tmp_path)) as kafka:
        yield kafka


@pytest.mark.integration
async def test_round_trip_then_stop_leaves_nothing_behind(kafka: LocalKafka) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("round-trip", 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("round-trip", b"hello", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        "round-trip",
        bootstrap_servers=kafka.bootstrap,
        group_id="round-trip",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.key, record.value) == (b"k", b"hello")

    pid = kafka.pid()
    assert pid is not None
    assert kafka.stop() is True
    assert not process_exists(pid)
    assert not accepts_connections(kafka.settings.host, kafka.settings.port)
    assert not kafka.pid_path.exists()
    assert kafka.stop() is False


@pytest.mark.integration
def test_start_is_idempotent_across_instances(kafka: LocalKafka) -> None:
    pid = kafka.pid()
    assert kafka.start() == kafka.bootstrap
    other = quiet(kafka.settings)
    assert other.is_running()
    assert other.start() == kafka.bootstrap
    assert kafka.pid() == other.pid() == pid


@pytest.mark.integration
def test_an_instance_stops_only_the_broker_it_started(kafka: LocalKafka) -> None:
    s = kafka.settings
    record = kafka.running()
    assert record is not None and kafka.started_here
    assert record.addresses == {"kafka": f"{s.host}:{s.port}", "controller": f"{s.host}:{s.controller_port}"}
    with quiet(s) as other:
        assert not other.started_here
    assert other.release() is False
    assert kafka.running() == record
    assert accepts_connections(s.host, s.port)


@pytest.mark.integration
def test_restart_reuses_the_formatted_storage(kafka: LocalKafka) -> None:
    meta = kafka.settings.data_dir / "meta.properties"
    formatted = meta.read_text()
    first = kafka.pid()
    kafka.stop()
    kafka.start()
    assert kafka.pid() not in (None, first)
    assert meta.read_text() == formatted


@pytest.mark.integration
def test_early_death_raises_with_the_log_tail(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    kafka = quiet(settings)
    # Bound but not listening: the pre-start port check passes, the broker's bind fails.
    with socket.socket() as squatter:
        squatter.bind((settings.host, settings.controller_port))
        with pytest.raises(LocalKafkaError, match="exited while starting") as raised:
            kafka.start()
    assert "Address already in use" in str(raised.value)
    assert not kafka.is_running()
    assert not kafka.pid_path.exists()


@pytest.mark.integration
def test_timeout_stops_the_half_started_broker(tmp_path: Path) -> None:
    kafka = quiet(local_settings(tmp_path, start_timeout_s=0.1))
    with pytest.raises(LocalKafkaError, match="did not answer"):
        kafka.start()
    assert not kafka.pid_path.exists()
    assert not accepts_connections(kafka.settings.host, kafka.settings.port)


@pytest.mark.integration
def test_interrupt_during_start_stops_the_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[int] = []

    def interrupted(self: LocalKafka, pid: int) -> None:
        spawned.append(pid)
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalKafka, "_wait_ready", interrupted)
    kafka = quiet(local_settings(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        kafka.start()
    assert spawned and not process_exists(spawned[0])
    assert not kafka.pid_path.exists()


def test_a_port_in_use_is_refused_before_anything_runs(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    with socket.socket() as listener:
        listener.bind((settings.host, settings.port))
        listener.listen()
        with pytest.raises(LocalKafkaError, match="already in use"):
            quiet(settings).start()
    assert not settings.data_dir.exists()


def test_external_cluster_is_never_started_or_stopped(tmp_path: Path) -> None:
    kafka = quiet(local_settings(tmp_path, bootstrap="kafka.example:9092"))
    assert kafka.start() == "kafka.example:9092"
    assert kafka.stop() is False
    assert not kafka.properties_path.exists()


def test_server_properties_describe_one_combined_node(tmp_path: Path) -> None:
    settings = local_settings(tmp_path)
    properties = dict(line.split("=", 1) for line in render_server_properties(settings).splitlines())
    host, port, controller = settings.host, settings.port, settings.controller_port
    assert properties["process.roles"] == "broker,controller"
    assert properties["listeners"] == f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}"
    assert properties["log.dirs"] == str(settings.data_dir)
    assert properties["auto.create.topics.enable"] == "false"


def test_mixed_kafka_versions_in_lib_are_refused(tmp_path: Path) -> None:
    for name in ("kafka_2.13-4.4.0.jar", "kafka-clients-4.4.0.jar", "slf4j-api-1.7.36.jar"):
        (tmp_path / name).touch()
    check_single_kafka_version(tmp_path, "4.4.0")
    (tmp_path / "kafka-raft-4.3.0.jar").touch()
    with pytest.raises(LocalKafkaError, match=r"4\.3\.0"):
        check_single_kafka_version(tmp_path, "4.4.0")


def test_free_ports_are_distinct() -> None:
    assert len(set(free_ports(5))) == 5
