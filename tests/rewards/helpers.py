"""Watching the rewards pipeline on the real broker: its outcomes, and when it is idle.

``wait_processed`` waits until the workers' consumer group has committed everything
on the pipeline's input topics as of the call: Faust commits an offset only once every
agent handled the record, and flushes what they sent before, so from then on every
outcome those records could produce is in rewards.outcomes.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from aiokafka.admin import AIOKafkaAdminClient

from molt.bench.writer import CommandWriter
from molt.logreader import read_range
from molt.settings import WorkerSettings
from schemas.codec import Codec
from schemas.records import PlayerConnected, SessionAbandoned, SessionOpened
from schemas.topics import REWARDS_OUTCOMES, SESSION_COMMANDS, SESSION_RESULTS

GROUP = WorkerSettings().app_id
END = 2**62


async def published_outcomes(bootstrap: str, partitions: int) -> list[dict]:
    codec = Codec()
    outcomes = []
    for partition in range(partitions):
        records = await read_range(bootstrap, REWARDS_OUTCOMES.name, partition, 0, END)
        outcomes += [codec.decode("RunOutcome", value) for _, value in records]
    return outcomes


async def wait_processed(bootstrap: str, partitions: int, timeout_s: float = 120.0) -> None:
    tps = [TopicPartition(topic.name, p) for topic in (SESSION_COMMANDS, SESSION_RESULTS) for p in range(partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        targets = await consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout_s
        while True:
            committed = await admin.list_consumer_group_offsets(GROUP, partitions=tps)
            behind = {tp: end for tp, end in targets.items() if end > 0 and _offset(committed.get(tp)) < end}
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not commit past {behind}")
            await asyncio.sleep(0.2)  # committed offsets are polled: Kafka has no event for them
    finally:
        await admin.close()
        await consumer.stop()


def _offset(committed: OffsetAndMetadata | None) -> int:
    return -1 if committed is None else committed.offset


async def finish_runs(writer: CommandWriter, runs: dict[str, str]) -> None:
    """Open, connect and abandon each session (id -> mode): each publishes a result."""
    for session_id, mode in runs.items():
        await writer.send(session_id, SessionOpened("shellrunners", mode, 7, "agt_rw", "rewards-bot", 5))
        await writer.send(session_id, PlayerConnected(f"conn-{session_id}"))
        await writer.send(session_id, SessionAbandoned("test over"))


def outcome_counts(outcomes: list[dict], session_ids: list[str]) -> dict[str, int]:
    """How many outcomes each of ``session_ids`` has."""
    counts = Counter(outcome["sessionId"] for outcome in outcomes)
    return {session_id: counts[session_id] for session_id in session_ids}
