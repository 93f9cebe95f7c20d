"""Reading frames and results on the real broker, and playing sessions, for tests.

Tests stand in for an edge with ``molt.bench.writer.CommandWriter``; ``TopicReader``
follows a topic; ``RecordingBotDriver`` plays sessions and keeps what it saw;
``fresh_topic`` makes a topic of a test's own.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import defaultdict
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord

from infra.kafkaclients import client_options
from infra.runlog import session_partition
from molt.bench.bots import BotDriver
from molt.bench.writer import CommandWriter
from schemas.codec import Codec


async def fresh_topic(bootstrap: str, prefix: str, partitions: int) -> str:
    """A new, empty topic named ``<prefix>-<random>``."""
    name = f"{prefix}-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()
    return name


class TopicReader:
    """Reads every partition of a topic from the beginning, decoding with ``schema``."""

    def __init__(self, bootstrap: str, topic: str, schema: str, partitions: int) -> None:
        self.codec = Codec()
        self.topic = topic
        self.schema = schema
        self._tps = [TopicPartition(topic, p) for p in range(partitions)]
        self._consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        self.records: list[dict] = []

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_beginning(*self._tps)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def until(self, done: Callable[[list[dict]], bool], timeout_s: float = 60.0) -> list[dict]:
        """Read on until ``done(every record read so far)``; fails after ``timeout_s``.

        A ``done`` with an ``explain(records)`` attribute says in the failure what is missing.
        """
        records = self.records
        deadline = time.monotonic() + timeout_s
        while not done(records):
            if time.monotonic() > deadline:
                explain = getattr(done, "explain", None)
                missing = f": {explain(records)}" if explain else ""
                raise TimeoutError(
                    f"{self.topic}: condition not met after {timeout_s}s ({len(records)} records){missing}"
                )
            batches = await self._consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(self.codec.decode(self.schema, r.value) for r in batch)
        return records


def session_ids_on(partitions: list[int], per_partition: int, total_partitions: int, prefix: str) -> list[str]:
    """Fresh session ids, ``per_partition`` of them on each of ``partitions``."""
    wanted = dict.fromkeys(partitions, per_partition)
    chosen, n = [], 0
    while any(wanted.values()):
        session_id = f"{prefix}_{secrets.token_hex(4)}_{n}"
        n += 1
        p = session_partition(session_id, total_partitions)
        if wanted.get(p):
            wanted[p] -= 1
            chosen.append(session_id)
    return chosen


class RecordingBotDriver(BotDriver):
    """A BotDriver that keeps what tests check: each input Kafka acknowledged, and every frame."""

    def __init__(self, writer: CommandWriter, bootstrap: str, partitions: int) -> None:
        super().__init__(writer, bootstrap, partitions)
        self.acked: dict[str, list[tuple[int, int]]] = defaultdict(list)  # session -> [(seq, offset)]
        self.frames: dict[str, list[dict]] = defaultdict(list)
        self.batches: list[tuple[float, dict]] = []  # (arrival wall time, s; FrameBatch)

    def on_batch(self, record: ConsumerRecord, batch: dict) -> None:
        self.batches.append((time.time(), batch))
        for frame in batch["frames"]:
            self.frames[frame["sessionId"]].append(frame)

    def on_input_acked(self, session_id: str, seq: int, offset: int) -> None:
        self.acked[session_id].append((seq, offset))

    def ended(self, session_id: str) -> bool:
        """Whether the last frame seen of the session shows the run over."""
        frames = self.frames.get(session_id)
        return bool(frames) and json.loads(frames[-1]["frameJson"])["ended"]
