"""CatchUp: at each assignment, the new partitions read from the committed offsets to their ends.

On the real broker, with a stand-in for the Faust app (its group id and assignment).
"""

from __future__ import annotations

import secrets

import pytest
from aiokafka import TopicPartition

from streams.gaps.catchup import CatchUp
from tests.commands import fresh_topic
from tests.gaps.helpers import commit, faust_app, produce

pytestmark = pytest.mark.integration


async def test_new_partitions_are_read_from_the_committed_offsets_once_and_dropped_when_revoked(
    kafka_bootstrap: str,
) -> None:
    results, triggers, outcomes = [await fresh_topic(kafka_bootstrap, name, 3) for name in ("cu-r", "cu-t", "cu-o")]
    group = f"cu-{secrets.token_hex(4)}"
    await produce(
        kafka_bootstrap,
        [
            (topic, p, f"{topic}/{p}/{i}".encode())
            for topic in (results, triggers, outcomes)
            for p in range(3)
            for i in range(3)
        ],
    )
    await commit(kafka_bootstrap, group, {TopicPartition(results, 0): 2, TopicPartition(triggers, 1): 1})
    assignment = {TopicPartition(topic, p) for topic in (results, triggers) for p in (0, 1)}
    catch_up = CatchUp(
        faust_app(group, assignment), kafka_bootstrap, (results, triggers), since=lambda p: {outcomes: p}
    )

    def records(topic: str, p: int, first: int) -> list[tuple[int, bytes]]:
        return [(i, f"{topic}/{p}/{i}".encode()) for i in range(first, 3)]

    catch_up.on_assignment_ready()
    # Partition 0 has results committed up to 2, nothing on triggers; ``since`` reads outcomes from p.
    assert await catch_up.backlog(0) == {
        results: records(results, 0, 2),
        triggers: records(triggers, 0, 0),
        outcomes: records(outcomes, 0, 0),
    }
    assert await catch_up.backlog(0) == {}, "the backlog comes with the partition's first event only"
    assert await catch_up.backlog(2) is None, "an event of a partition not owned is not the agent's"
    assert 0 in catch_up.ready_partitions()

    # A rebalance takes partition 1 away before its first event (its read may still be
    # under way, and is given up), and later gives it back.
    catch_up.on_revoked({TopicPartition(results, 1), TopicPartition(triggers, 1)})
    assert await catch_up.backlog(1) is None and catch_up.ready_partitions() == [0]
    await produce(kafka_bootstrap, [(results, 1, f"{results}/1/3".encode())])
    catch_up.on_assignment_ready()
    assert await catch_up.backlog(1) == {
        results: [*records(results, 1, 0), (3, f"{results}/1/3".encode())],
        triggers: records(triggers, 1, 1),
        outcomes: records(outcomes, 1, 1),
    }
    assert await catch_up.backlog(0) == {}, "a partition kept through a rebalance is not read again"
    assert sorted(catch_up.ready_partitions()) == [0, 1]
