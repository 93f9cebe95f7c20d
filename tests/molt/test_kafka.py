"""``molt kafka start`` while a broker runs: the running one is named, and left as it was."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from infra.aio import run_on_own_loop
from infra.localkafka import LocalKafka, free_ports
from infra.settings import KafkaSettings
from molt.errors import ExitCode
from molt.processes import molt_argv
from tests.commands import fresh_topic

pytestmark = pytest.mark.integration


async def write_one(bootstrap: str) -> str:
    """A new topic holding one record; its name."""
    topic = await fresh_topic(bootstrap, "kept", 1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"still here")
    finally:
        await producer.stop()
    return topic


async def read_all(bootstrap: str, topic: str) -> list[bytes | None]:
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        batches = await consumer.getmany(tp, timeout_ms=10_000)
    finally:
        await consumer.stop()
    return [record.value for record in batches.get(tp, [])]


def test_a_second_start_names_the_running_broker_and_leaves_it_be(tmp_path: Path) -> None:
    port, controller_port = free_ports(2)
    data_dir, log_dir = tmp_path / "kafka" / "data", tmp_path / "kafka" / "logs"
    kafka = LocalKafka(
        KafkaSettings(bootstrap=None, port=port, controller_port=controller_port, data_dir=data_dir, log_dir=log_dir)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLT_")} | {
        "MOLT_KAFKA_PORT": str(port),
        "MOLT_KAFKA_CONTROLLER_PORT": str(controller_port),
        "MOLT_KAFKA_DATA_DIR": str(data_dir),
        "MOLT_KAFKA_LOG_DIR": str(log_dir),
    }

    def molt(*args: str, **more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(molt_argv(*args), env=env | more, capture_output=True, text=True, timeout=300)

    first = molt("kafka", "start")
    try:
        assert first.returncode == 0, first.stdout + first.stderr
        record = kafka.running()
        assert record is not None
        topic = run_on_own_loop(write_one(kafka.bootstrap))

        again = molt("kafka", "start")
        assert (again.returncode, again.stderr) == (0, ""), again.stderr
        assert again.stdout.splitlines() == [f"Kafka already running: {record.describe()}; nothing started"]
        assert f"kafka 127.0.0.1:{port}, controller 127.0.0.1:{controller_port}" in again.stdout

        # Another broker set on the same ports: refused before anything runs.
        beside = molt("kafka", "start", MOLT_KAFKA_DATA_DIR=str(tmp_path / "other" / "data"))
        assert beside.returncode == ExitCode.PORT_IN_USE, beside.stdout + beside.stderr
        assert beside.stderr.splitlines() == [
            f"molt kafka: error PORT_IN_USE: 127.0.0.1:{port}, which Kafka is set to use, "
            "is already in use by another process"
        ]
        assert not (tmp_path / "other").exists()

        assert kafka.running() == record
        assert run_on_own_loop(read_all(kafka.bootstrap, topic)) == [b"still here"]
    finally:
        stopped = molt("kafka", "stop")
    assert stopped.stdout.splitlines() == ["Kafka stopped"], stopped.stdout + stopped.stderr
    assert kafka.running() is None
