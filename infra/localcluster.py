"""The local Kafka as a cluster: one node, or three (``KafkaSettings.nodes``), started and
stopped together, each an ``infra.localkafka.LocalKafka``.

Invariants:

* Node i (1-based) of three listens ``NODE_PORT_STRIDE`` × (i - 1) ports above the
  configured pair and keeps its run folder ``node-<i>`` beside the data dir, its log in
  ``node-<i>`` under the log dir; the single node keeps the configured folders.
* ``start`` spawns every node before it waits for any (a node is ready only once a
  majority of the quorum runs), and ends every node it spawned when it fails.
* With an external cluster nothing is started; ``bootstrap`` names that cluster.

``scratch_cluster`` gives tests and benchmarks a throwaway cluster on free ports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infra.localkafka import LocalKafka, free_ports, stderr_report
from infra.settings import NODE_PORT_STRIDE, KafkaSettings


def cluster_nodes(settings: KafkaSettings) -> list[KafkaSettings]:
    """Each node's settings, by node id (``settings`` itself for the single node)."""
    if settings.nodes == 1:
        return [settings]
    return [
        settings.model_copy(
            update={
                "nodes": 1,  # a node's own settings name its address alone
                "port": settings.port + NODE_PORT_STRIDE * i,
                "controller_port": settings.controller_port + NODE_PORT_STRIDE * i,
                "data_dir": settings.data_dir.parent / f"node-{i + 1}" / "data",
                "log_dir": settings.log_dir / f"node-{i + 1}",
            }
        )
        for i in range(settings.nodes)
    ]


class LocalCluster:
    """The local nodes of ``settings`` (or ``nodes``: each node's settings, by node id)."""

    def __init__(
        self,
        settings: KafkaSettings,
        nodes: Sequence[KafkaSettings] | None = None,
        *,
        report: Callable[[str], None] = stderr_report,
    ) -> None:
        self.settings = settings
        quorum = list(nodes or cluster_nodes(settings))
        self.nodes = [
            LocalKafka(node, node_id=i, quorum=quorum if len(quorum) > 1 else (), report=report)
            for i, node in enumerate(quorum, start=1)
        ]

    @property
    def bootstrap(self) -> str:
        if self.settings.is_external:
            return self.settings.bootstrap_servers
        return ",".join(node.bootstrap for node in self.nodes)

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> str:
        """Start every node that does not run, then wait for each; the bootstrap servers."""
        launched: list[tuple[LocalKafka, int]] = []
        try:
            for node in self.nodes:
                pid = node.launch()
                if pid is not None:
                    launched.append((node, pid))
            for node, pid in launched:
                node.wait_started(pid)
        except BaseException:
            for node, _ in launched:
                node.stop()
            raise
        return self.bootstrap

    def stop(self) -> bool:
        """Stop every node at once; True if any was running. Together, because the last
        node of a quorum stopped one by one would wait for controllers already gone."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            return any(list(pool.map(LocalKafka.stop, self.nodes)))

    def running(self) -> list[LocalKafka]:
        return [node for node in self.nodes if node.is_running()]


def scratch_cluster(root: Path, nodes: int = 1, **overrides: object) -> LocalCluster:
    """A throwaway cluster for tests and benchmarks, not yet started: its nodes on free
    ports with their data and logs under ``root`` and their jars in the shared cache, so
    it never collides with a developer's ``molt kafka start``. ``overrides`` are
    KafkaSettings fields. With ``MOLT_KAFKA_BOOTSTRAP`` set that cluster is used."""
    settings = KafkaSettings().model_copy(update={"nodes": nodes, **overrides})
    if settings.is_external:
        return LocalCluster(settings)
    ports = free_ports(2 * nodes)
    quorum = [
        settings.model_copy(
            update={
                "nodes": 1,
                "port": ports[2 * i],
                "controller_port": ports[2 * i + 1],
                "data_dir": root / f"node-{i + 1}" / "data",
                "log_dir": root / f"node-{i + 1}" / "logs",
            }
        )
        for i in range(nodes)
    ]
    return LocalCluster(settings, quorum)
