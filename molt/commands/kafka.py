"""``molt kafka start|stop|status [--nodes 1|3]``: the local Kafka from the command line.

One node by default; ``--nodes 3`` (or ``MOLT_KAFKA_NODES=3``) is a replicated cluster of
three combined broker + controller nodes on consecutive port pairs (9092/9093, 9094/9095,
9096/9097 by default; ``infra.localcluster``). Clients of that cluster take the same
``MOLT_KAFKA_NODES=3``, or the bootstrap ``start`` prints.

``start`` on a running cluster starts nothing and names the running nodes (pid, ports,
start time); with only some running it starts the others. A port taken by another
process is refused before anything runs. ``stop`` ends the nodes running from the
configured run folders, whoever started them: it is the command for that. Exit codes as
every command's (``molt.errors``): 0 on success (``start`` on a running cluster
included), 1 when a node cannot be started or stopped, 5 a port in use, 130 ``start``
interrupted (the half-started nodes are stopped first); ``status`` follows the LSB
convention: 0 every node running, 3 stopped or only some running.
With ``MOLT_KAFKA_BOOTSTRAP`` set every action only names that external cluster.
"""

from __future__ import annotations

import argparse
import time

from infra.localcluster import LocalCluster
from infra.localkafka import LocalKafka
from infra.settings import KafkaSettings

EXIT_NOT_RUNNING = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("kafka", help="run the local Kafka (one node, or a cluster of three)")
    actions = parser.add_subparsers(dest="action", required=True)
    for name, func, help_text in (
        ("start", start, "start the nodes in the background and wait until they are ready"),
        ("stop", stop, "stop the nodes"),
        ("status", status, "say whether the nodes run, and where"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument(
            "--nodes", type=int, choices=(1, 3), default=None,
            help="one node, or a replicated cluster of three (default: MOLT_KAFKA_NODES, else 1)",
        )  # fmt: skip
        action.set_defaults(func=func)


def _settings(args: argparse.Namespace) -> KafkaSettings:
    settings = KafkaSettings()
    return settings if args.nodes is None else settings.model_copy(update={"nodes": args.nodes})


def start(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.is_external:
        return _external(settings)
    cluster = LocalCluster(settings)
    running = cluster.running()
    if len(running) == len(cluster.nodes):
        for node in running:
            print(f"Kafka already running: {_described(node)}; nothing started")
        return 0
    print(f"starting Kafka {settings.version} at {cluster.bootstrap}…", flush=True)
    began = time.monotonic()
    cluster.start()
    print(f"Kafka running at {cluster.bootstrap} (ready in {time.monotonic() - began:.1f} s)")
    for node in cluster.nodes:
        print(f"  node {node.node_id}: pid {node.pid()}, log {node.log_path}")
    return 0


def stop(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.is_external:
        return _external(settings)
    print("Kafka stopped" if LocalCluster(settings).stop() else "Kafka was not running")
    return 0


def status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.is_external:
        return _external(settings)
    cluster = LocalCluster(settings)
    if not cluster.running():
        print(f"Kafka stopped (would listen at {cluster.bootstrap})")
        return EXIT_NOT_RUNNING
    for node in cluster.nodes:
        if node.is_running():
            print(f"Kafka running: {_described(node)}, log {node.log_path}")
        else:
            print(f"Kafka node {node.node_id} stopped (would listen at {node.bootstrap})")
    return 0 if len(cluster.running()) == len(cluster.nodes) else EXIT_NOT_RUNNING


def _described(node: LocalKafka) -> str:
    record = node.running()
    return record.describe() if record is not None else f"node {node.node_id} at {node.bootstrap}"


def _external(settings: KafkaSettings) -> int:
    print(f"using the external Kafka cluster at {settings.bootstrap_servers}; nothing to do")
    return 0
