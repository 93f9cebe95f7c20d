"""Writing commands and reading frames and results on the real broker, for tests.

Tests stand in for an edge here: ``CommandWriter`` appends commands to a session's log
with its own producer id, exactly as an edge does; ``TopicReader`` follows a topic.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas.codec import Codec
from schemas.records import CommandBody, SessionCommand, encode_command
from schemas.topics import SESSION_COMMANDS


class CommandWriter:
    def __init__(self, bootstrap: str, producer_id: str | None = None) -> None:
        self.codec = Codec()
        self.producer_id = producer_id or f"test:{secrets.token_hex(4)}"
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self._seq: defaultdict[str, int] = defaultdict(int)

    async def __aenter__(self) -> CommandWriter:
        await self._producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._producer.stop()

    def command(self, session_id: str, body: CommandBody, engine_version: int = 1) -> SessionCommand:
        self._seq[session_id] += 1
        return SessionCommand(session_id, engine_version, self.producer_id, self._seq[session_id], time.time_ns() // 1_000_000, body)

    async def send(self, session_id: str, body: CommandBody) -> tuple[int, int]:
        """Append; returns (partition, offset) once Kafka acknowledged it."""
        return await self.send_command(self.command(session_id, body))

    async def send_command(self, command: SessionCommand) -> tuple[int, int]:
        meta = await self._producer.send_and_wait(
            SESSION_COMMANDS.name, encode_command(self.codec, command), key=command.sessionId.encode()
        )
        return meta.partition, meta.offset


class TopicReader:
    """Reads every partition of a topic from the beginning, decoding with ``schema``."""

    def __init__(self, bootstrap: str, topic: str, schema: str, partitions: int) -> None:
        self.codec = Codec()
        self.topic = topic
        self.schema = schema
        self._tps = [TopicPartition(topic, p) for p in range(partitions)]
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_beginning(*self._tps)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def until(self, done: Callable[[list[dict]], bool], timeout_s: float = 60.0) -> list[dict]:
        """Read records until ``done(all records so far)``; fails after ``timeout_s``."""
        records: list[dict] = []
        deadline = time.monotonic() + timeout_s
        while not done(records):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.topic}: condition not met after {timeout_s}s ({len(records)} records)")
            batches = await self._consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(self.codec.decode(self.schema, r.value) for r in batch)
        return records
