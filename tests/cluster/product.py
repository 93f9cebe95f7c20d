"""The product on the local 3-node cluster: two workers and two edges in the production
layout, and putting the cluster back together after a test broke it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from infra.localcluster import LocalCluster
from molt.processes import ProcessFailed
from molt.stack import READY_TIMEOUT_S, Edge, Stack, Worker
from tests.cluster.replicas import wait_full_isr

NODES = 3
# The production layout (DESIGN.md §5), and public spectate tokens and seats without a
# bound per client address: every spectator of a test comes from one address.
PRODUCT_ENV = {
    "MOLT_TOPICS_REPLICATION_FACTOR": "3",
    "MOLT_TOPICS_MIN_INSYNC_REPLICAS": "2",
    "MOLT_EDGE_PUBLIC_TOKEN_BURST": "100000",
    "MOLT_EDGE_SEATS_PER_CLIENT_SESSION": "100000",
    "MOLT_EDGE_SEATS_PER_CLIENT_TOTAL": "100000",
}


async def restore(cluster: LocalCluster) -> float:
    """Start every node that is down and wait until every partition is fully in sync again;
    the seconds from the restart to full ISR."""
    for node in cluster.nodes:
        if not node.is_running():
            await asyncio.to_thread(node.start)
    return await wait_full_isr(cluster.bootstrap)


@dataclass
class Product:
    stack: Stack
    workers: list[Worker]
    edges: list[Edge]


@contextmanager
def running_product(
    cluster: LocalCluster, root: Path, partitions: int, worker_env: dict[str, str] | None = None
) -> Iterator[Product]:
    """Two workers (settled on the partitions between them) and two edges on the cluster."""
    stack = Stack(cluster.bootstrap, root, partitions, extra_env={**PRODUCT_ENV, **(worker_env or {})})
    try:
        workers = [stack.start_worker(f"worker-{i}") for i in (1, 2)]
        settle(workers, partitions)
        edges = [stack.start_edge(f"edge-{i}") for i in (1, 2)]
        yield Product(stack, workers, edges)
    finally:
        stack.close()


def settle(workers: list[Worker], partitions: int) -> None:
    """Wait until every worker is ready and they own every partition between them, each some."""
    # Twice a process's own bound: a rebalance of two workers on a loaded box takes a while.
    deadline = time.monotonic() + 2 * READY_TIMEOUT_S
    while True:
        states = [worker.readiness() for worker in workers]
        owned = sorted(p for state in states for p in state["partitions"])
        if all(state["ready"] and state["partitions"] for state in states) and owned == list(range(partitions)):
            return
        if time.monotonic() > deadline:
            raise ProcessFailed(f"the workers did not settle on the partitions: {states}")
        time.sleep(0.2)  # polling the workers' readiness URLs: there is no event to await
