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
        self.records: list[dict] = []

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_beginning(*self._tps)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def until(self, done: Callable[[list[dict]], bool], timeout_s: float = 60.0) -> list[dict]:
        """Read on until ``done(every record read so far)``; fails after ``timeout_s``."""
        records = self.records
        deadline = time.monotonic() + timeout_s
        while not done(records):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.topic}: condition not met after {timeout_s}s ({len(records)} records)")
            batches = await self._consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(self.codec.decode(self.schema, r.value) for r in batch)
        return records


def partition_of(session_id: str, partitions: int) -> int:
    """The partition Kafka's default partitioner gives a session (as every producer does)."""
    from aiokafka.partitioner import DefaultPartitioner

    every = list(range(partitions))
    return DefaultPartitioner()(session_id.encode(), every, every)


def session_ids_on(partitions: list[int], per_partition: int, total_partitions: int, prefix: str) -> list[str]:
    """Fresh session ids, ``per_partition`` of them on each of ``partitions``."""
    wanted = {p: per_partition for p in partitions}
    chosen, n = [], 0
    while any(wanted.values()):
        session_id = f"{prefix}_{secrets.token_hex(4)}_{n}"
        n += 1
        p = partition_of(session_id, total_partitions)
        if wanted.get(p):
            wanted[p] -= 1
            chosen.append(session_id)
    return chosen


class BotDriver:
    """Plays sessions through Kafka with the reference bots: frames in, inputs out.

    Follows session.frames from its end; for every frame of a driven session asks the
    game's reference policy for an action and appends it as an InputReceived. Keeps
    what tests check: each input Kafka acknowledged, and when frames arrived.
    """

    def __init__(self, writer: CommandWriter, bootstrap: str, partitions: int) -> None:
        from schemas.topics import SESSION_FRAMES

        self.writer = writer
        self.codec = Codec()
        self.sessions: dict[str, tuple[str, str]] = {}  # session -> (game, connection)
        self.acked: dict[str, list[tuple[int, int]]] = defaultdict(list)  # session -> [(seq, offset)]
        self.frames: dict[str, list[dict]] = defaultdict(list)
        self.batches: list[tuple[float, dict]] = []  # (arrival wall time, s; FrameBatch)
        self._seq: defaultdict[str, int] = defaultdict(int)
        self._tps = [TopicPartition(SESSION_FRAMES.name, p) for p in range(partitions)]
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._task = None

    async def start(self) -> None:
        import asyncio

        await self._consumer.start()
        self._consumer.assign(self._tps)
        await self._consumer.seek_to_end(*self._tps)
        for tp in self._tps:  # resolve the end offsets now, before any session starts
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        import asyncio

        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self._consumer.stop()

    def ended(self, session_id: str) -> bool:
        """Whether the last frame seen of the session shows the run over."""
        import json

        frames = self.frames.get(session_id)
        return bool(frames) and json.loads(frames[-1]["frameJson"])["ended"]

    def drive(self, session_id: str, game: str, connection_id: str) -> None:
        self.sessions[session_id] = (game, connection_id)

    def release(self, session_id: str) -> None:
        self.sessions.pop(session_id, None)

    async def _run(self) -> None:
        import json

        from schemas.records import InputReceived
        from streams.sim.bots import reference_policy

        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            for records in batches.values():
                for record in records:
                    batch = self.codec.decode("FrameBatch", record.value)
                    self.batches.append((time.time(), batch))
                    for frame in batch["frames"]:
                        session_id = frame["sessionId"]
                        self.frames[session_id].append(frame)
                        if session_id not in self.sessions:
                            continue
                        game, connection = self.sessions[session_id]
                        action = reference_policy(game)(json.loads(frame["frameJson"]))
                        if action is None:
                            continue
                        self._seq[session_id] += 1
                        seq = self._seq[session_id]
                        _, offset = await self.writer.send(session_id, InputReceived(seq, action, connection))
                        self.acked[session_id].append((seq, offset))
