"""Driving the rewards pipeline on the real broker: finished runs, its outcomes, settling."""

from __future__ import annotations

import time
from collections import Counter

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from molt.bench.writer import CommandWriter
from schemas.codec import Codec
from schemas.records import PlayerConnected, SessionAbandoned, SessionOpened, SnapshotTriggered
from schemas.topics import REWARDS_OUTCOMES, SESSION_RESULTS
from tests.commands import TopicReader, session_ids_on


def covers(session_ids: list[str]):
    """Whether the records read include one of each of ``session_ids``."""

    def missing(records: list[dict]) -> set[str]:
        return set(session_ids) - {r["sessionId"] for r in records}

    def done(records: list[dict]) -> bool:
        return not missing(records)

    done.explain = lambda records: f"none yet for {sorted(missing(records))}"  # type: ignore[attr-defined]
    return done


async def published_outcomes(bootstrap: str, partitions: int) -> list[dict]:
    """Every RunOutcome on rewards.outcomes now, each with its Kafka timestamp as ``_atMs``."""
    tps = [TopicPartition(REWARDS_OUTCOMES.name, p) for p in range(partitions)]
    codec = Codec()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    outcomes = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        pending = {tp for tp, end in ends.items() if end > 0}
        while pending:
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                outcomes += [{**codec.decode("RunOutcome", r.value), "_atMs": r.timestamp} for r in records]
    finally:
        await consumer.stop()
    return outcomes


async def publish_outcome(bootstrap: str, partition: int, outcome: dict) -> None:
    """Append a RunOutcome as a worker does (the tests' stand-in for one that crashed)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            REWARDS_OUTCOMES.name,
            Codec().encode("RunOutcome", outcome),
            key=outcome["sessionId"].encode(),
            partition=partition,
        )
    finally:
        await producer.stop()


async def settle(bootstrap: str, partitions: int) -> None:
    """Wait until the pipeline handled every result and trigger written before the call.

    One marker run per partition: its result and trigger come after everything already
    on that partition, and one agent handles a partition in order, so once every
    marker is paid, whatever the earlier records could publish is in rewards.outcomes.
    """
    markers = session_ids_on(list(range(partitions)), 1, partitions, "marker")
    async with (
        CommandWriter(bootstrap) as writer,
        TopicReader(bootstrap, REWARDS_OUTCOMES.name, "RunOutcome", partitions) as outcomes,
    ):
        await finish_runs(bootstrap, partitions, writer, dict.fromkeys(markers, "api"))
        await trigger(writer, markers, "http")
        await outcomes.until(covers(markers), 120)


async def finish_runs(bootstrap: str, partitions: int, writer: CommandWriter, runs: dict[str, str]) -> dict[str, dict]:
    """Open, connect and abandon each session (id -> mode); returns their results, once out."""
    async with TopicReader(bootstrap, SESSION_RESULTS.name, "RunResult", partitions) as results:
        for session_id, mode in runs.items():
            await writer.send(session_id, SessionOpened("shellrunners", mode, 7, "agt_rw", "rewards-bot", 5))
            await writer.send(session_id, PlayerConnected(f"conn-{session_id}"))
            await writer.send(session_id, SessionAbandoned("test over"))
        published = await results.until(covers(list(runs)), 120)
    return {r["sessionId"]: r for r in published if r["sessionId"] in runs}


async def trigger(writer: CommandWriter, session_ids: list[str], source: str) -> dict[str, float]:
    """Send each session's snapshot trigger; returns when Kafka acknowledged each (epoch ms)."""
    acked = {}
    for session_id in session_ids:
        await writer.send(session_id, SnapshotTriggered(f"{source}_{session_id}", source))
        acked[session_id] = time.time() * 1000
    return acked


def outcome_counts(outcomes: list[dict], session_ids: list[str]) -> dict[str, int]:
    """How many outcomes each of ``session_ids`` has."""
    counts = Counter(outcome["sessionId"] for outcome in outcomes)
    return {session_id: counts[session_id] for session_id in session_ids}
