"""The rewards pipeline's catch-up at assignment: the inputs since the committed offsets, read by itself.

Around a rebalance Faust may commit past records it never handed to the agent (see
``streams.rewards.pipeline``). The pipeline therefore reads each new partition's
results and triggers from the group's committed offsets, and the paid runs from
rewards.outcomes, on the real broker; and folds them in with the partition's first
event, whatever that event is. Here the Faust app, table and outcome topic are
stand-ins: the reads are real, the folding is the pipeline's own.
"""

from __future__ import annotations

import asyncio
import secrets
from types import SimpleNamespace

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from schemas.codec import Codec
from schemas.records import SessionCommand, SnapshotTriggered, encode_command
from streams.rewards import store
from streams.rewards.ledger import ResultIn, Run, TriggerIn, apply, due
from streams.rewards.pipeline import Partition, RewardsPipeline
from tests.commands import fresh_topic
from tests.rewards.test_ledger import result as ledger_result

pytestmark = pytest.mark.integration

PARTITION = 1
CODEC = Codec()


def result(session_id: str) -> dict:
    return {**ledger_result(score=120), "sessionId": session_id}


def trigger(session_id: str) -> bytes:
    command = SessionCommand(session_id, 1, "test:catch-up", 1, 2_400, SnapshotTriggered(f"ws_{session_id}", "ws"))
    return encode_command(CODEC, command)


class Table:
    """What the pipeline uses of a Faust table: get, the store, and changelog sends."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.changelog: list[tuple[int, bytes, bytes]] = []

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def send_changelog(self, partition: int, key: bytes, value: bytes) -> asyncio.Future:
        self.changelog.append((partition, key, value))
        sent = asyncio.get_running_loop().create_future()
        sent.set_result(None)
        return sent


class Outcomes:
    """rewards.outcomes as the pipeline sends to it; the name is a real topic for the catch-up's read."""

    def __init__(self, name: str, first_offset: int) -> None:
        self.name = name
        self.sent: list[dict] = []
        self._next = first_offset

    def get_topic_name(self) -> str:
        return self.name

    async def send(self, key: bytes, value: bytes, partition: int) -> asyncio.Future:
        self.sent.append(CODEC.decode("RunOutcome", value))
        sent = asyncio.get_running_loop().create_future()
        sent.set_result(SimpleNamespace(offset=self._next))
        self._next += 1
        return sent


async def produce(bootstrap: str, records: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, value in records:
            await producer.send_and_wait(topic, value, partition=PARTITION)
    finally:
        await producer.stop()


async def commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, PARTITION)
        consumer.assign([tp])
        await consumer.commit({tp: OffsetAndMetadata(offset, "")})
    finally:
        await consumer.stop()


def event(topic: str, offset: int, value: bytes) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(topic=topic, partition=PARTITION, offset=offset, value=value))


async def test_a_new_partition_reads_its_inputs_from_the_committed_offsets_and_folds_them_with_its_first_event(
    kafka_bootstrap: str,
) -> None:
    results, triggers, outcomes_topic = [
        await fresh_topic(kafka_bootstrap, name, 2) for name in ("cu-results", "cu-triggers", "cu-outcomes")
    ]
    group = f"cu-{secrets.token_hex(4)}"
    handled, skipped, already_paid = "s-handled", "s-skipped", "s-paid"
    # As a worker that paid the run before the takeover would have published it.
    paid_outcome = due(apply(apply(Run(already_paid), ResultIn(result(already_paid))), TriggerIn(f"ws_{already_paid}")))
    await produce(kafka_bootstrap, [
        (results, CODEC.encode("RunResult", result(handled))),   # 0: below the committed offset
        (results, CODEC.encode("RunResult", result(skipped))),   # 1
        (results, CODEC.encode("RunResult", result(already_paid))),  # 2
        (triggers, trigger(skipped)), (triggers, trigger(already_paid)),  # nothing committed on triggers
        (outcomes_topic, CODEC.encode("RunOutcome", paid_outcome)),
    ])  # fmt: skip
    await commit(kafka_bootstrap, group, results, 1)

    table, outcomes = Table(), Outcomes(outcomes_topic, first_offset=1)
    app = SimpleNamespace(conf=SimpleNamespace(id=group))
    pipeline = RewardsPipeline(
        app,
        table,
        outcomes,
        results=results,
        triggers=triggers,
        bootstrap=kafka_bootstrap,  # type: ignore[arg-type]
    )
    entry = Partition()
    pipeline.owned[PARTITION] = entry
    await pipeline._catch_up(PARTITION, entry)

    assert entry.ready.is_set() and entry.found == {already_paid: 0} and entry.mark == 1
    assert entry.facts == [
        (skipped, ResultIn(result(skipped))), (already_paid, ResultIn(result(already_paid))),
        (skipped, TriggerIn(f"ws_{skipped}")), (already_paid, TriggerIn(f"ws_{already_paid}")),
    ]  # fmt: skip

    # The first event of the partition, a trigger of its own: the skipped run is paid
    # from what the catch-up read, the run already in rewards.outcomes is not.
    writes = await pipeline.on_event(event(triggers, 0, trigger(skipped)))  # type: ignore[arg-type]
    assert [o["sessionId"] for o in outcomes.sent] == [skipped]
    assert outcomes.sent[0]["triggerRequestId"] == f"ws_{skipped}" and outcomes.sent[0]["score"] == 120
    assert len(writes) == len(table.changelog) and entry.facts == [] and entry.mark is None
    assert store.decode_run(CODEC, skipped, table.get(store.run_key(skipped))).outcome_offset == 1
    assert store.decode_run(CODEC, already_paid, table.get(store.run_key(already_paid))).outcome_offset == 0
    assert store.decode_mark(CODEC, table.get(store.mark_key(PARTITION))) == 2

    # Faust handing the same records over again changes nothing.
    again = [event(results, 1, CODEC.encode("RunResult", result(skipped))), event(triggers, 1, trigger(already_paid))]
    for redelivered in again:
        assert await pipeline.on_event(redelivered) == []  # type: ignore[arg-type]
    assert len(outcomes.sent) == 1
