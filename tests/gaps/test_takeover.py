"""Records Faust drops at a takeover still reach the rewards pipeline and the leaderboard.

Around a rebalance Faust may never hand an agent records after the committed offset and
commit past them (``streams.gaps``). Here the new owner's agents are handed none of the
partition's results after the committed offset: each catch-up reads them on the real
broker, with the paid outcomes, and folds them in with the agent's first event; Faust
handing them over afterwards changes nothing. The Faust app, tables and outcome topic are
stand-ins: the reads are real, the folding is the agents' own.
"""

from __future__ import annotations

import asyncio
import secrets
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition

from schemas.codec import Codec
from schemas.records import SessionCommand, SnapshotTriggered, encode_command
from streams.leaderboard.board import entry_of, shard_key
from streams.leaderboard.ranker import Ranker
from streams.rewards import store
from streams.rewards.ledger import ResultIn, Run, TriggerIn, apply, due
from streams.rewards.pipeline import RewardsPipeline
from tests.commands import fresh_topic
from tests.gaps.helpers import commit, event, faust_app, produce
from tests.rewards.test_ledger import result as ledger_result

pytestmark = pytest.mark.integration

PARTITION = 1
CODEC = Codec()


def result(session_id: str, score: int) -> dict:
    return {**ledger_result(score=score), "sessionId": session_id}


def trigger(session_id: str) -> bytes:
    command = SessionCommand(session_id, 1, "test:takeover", 1, 2_400, SnapshotTriggered(f"ws_{session_id}", "ws"))
    return encode_command(CODEC, command)


class Table:
    """What the agents use of a Faust table: get, the store, and changelog sends."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self.data: dict[bytes, bytes] = dict(data or {})
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


async def test_results_dropped_at_a_takeover_are_paid_and_ranked_once(kafka_bootstrap: str) -> None:
    results, triggers, outcomes_topic = [
        await fresh_topic(kafka_bootstrap, name, 2) for name in ("to-results", "to-triggers", "to-outcomes")
    ]
    group = f"to-{secrets.token_hex(4)}"
    handled, skipped, already_paid, later = "s-handled", "s-skipped", "s-paid", "s-later"
    scores = {handled: 150, skipped: 120, already_paid: 90, later: 200}
    encoded = {s: CODEC.encode("RunResult", result(s, score)) for s, score in scores.items()}
    # As a worker that paid the run before the takeover would have published it.
    paid_outcome = due(
        apply(apply(Run(already_paid), ResultIn(result(already_paid, 90))), TriggerIn(f"ws_{already_paid}"))
    )
    await produce(kafka_bootstrap, [
        (results, PARTITION, encoded[handled]),   # 0: below the committed offset
        (results, PARTITION, encoded[skipped]),   # 1
        (results, PARTITION, encoded[already_paid]),  # 2
        (triggers, PARTITION, trigger(skipped)), (triggers, PARTITION, trigger(already_paid)),  # nothing committed
        (outcomes_topic, PARTITION, CODEC.encode("RunOutcome", paid_outcome)),
    ])  # fmt: skip
    await commit(kafka_bootstrap, group, {TopicPartition(results, PARTITION): 1})

    game = ledger_result()["game"]
    board_key = shard_key(game, PARTITION).encode()
    # The board as the earlier owner left it, with the result below the committed offset.
    shard = {"game": game, "partition": PARTITION, "entries": [entry_of(result(handled, 150))]}
    rewards_table, board_table = Table(), Table({board_key: CODEC.encode("LeaderboardShard", shard)})
    outcomes = Outcomes(outcomes_topic, first_offset=1)
    app = faust_app(group, {TopicPartition(results, PARTITION), TopicPartition(triggers, PARTITION)})
    pipeline = RewardsPipeline(
        app,
        rewards_table,  # type: ignore[arg-type]
        outcomes,  # type: ignore[arg-type]
        results=results,
        triggers=triggers,
        bootstrap=kafka_bootstrap,
    )
    ranker = Ranker(app, board_table, results=results, bootstrap=kafka_bootstrap)  # type: ignore[arg-type]
    for catch_up in (pipeline.catch_up, ranker.catch_up):
        catch_up.on_assignment_ready()

    def board() -> list[str]:
        return [e["sessionId"] for e in CODEC.decode("LeaderboardShard", board_table.data[board_key])["entries"]]

    # Faust hands neither agent results 1 and 2. The pipeline's first event is a trigger:
    # the skipped run is paid from what the catch-up read, the run already in
    # rewards.outcomes is not.
    writes = await pipeline.on_event(event(triggers, PARTITION, 0, trigger(skipped)))
    assert [o["sessionId"] for o in outcomes.sent] == [skipped]
    assert outcomes.sent[0]["triggerRequestId"] == f"ws_{skipped}" and outcomes.sent[0]["score"] == 120
    assert len(writes) == len(rewards_table.changelog)
    assert store.decode_run(CODEC, skipped, rewards_table.get(store.run_key(skipped))).outcome_offset == 1
    assert store.decode_run(CODEC, already_paid, rewards_table.get(store.run_key(already_paid))).outcome_offset == 0
    assert store.decode_mark(CODEC, rewards_table.get(store.mark_key(PARTITION))) == 2

    # The leaderboard's first event is the partition's next result: the two it missed come first.
    writes = await ranker.on_event(event(results, PARTITION, 3, encoded[later]))
    assert board() == [later, handled, skipped, already_paid]
    assert len(writes) == len(board_table.changelog) == 3

    # Faust handing the dropped records over again, or one of another partition, changes nothing.
    again = [
        event(results, PARTITION, 1, encoded[skipped]),
        event(results, PARTITION, 2, encoded[already_paid]),
        event(triggers, PARTITION, 1, trigger(already_paid)),
        event(results, 0, 0, CODEC.encode("RunResult", result("s-elsewhere", 500))),
    ]
    for redelivered in again:
        assert await pipeline.on_event(redelivered) == []
        if redelivered.message.topic == results:
            assert await ranker.on_event(redelivered) == []
    assert len(outcomes.sent) == 1 and board() == [later, handled, skipped, already_paid]
