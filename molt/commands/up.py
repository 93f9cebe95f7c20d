"""``molt up``: the whole product on this machine, until Ctrl-C.

Starts local Kafka (unless ``MOLT_KAFKA_BOOTSTRAP`` names a cluster) and the local
schema registry (unless ``MOLT_SCHEMA_REGISTRY_URL`` names one; its storage is kept in
``var/registry`` beside Kafka's data, so the ids in the log keep naming their schemas),
creates the topics and registers their schemas, then one worker and one edge as child processes, waits until both are ready,
starts demo bots of each game (so there are live sessions to watch), prints the URL
and where each log is, and on Ctrl-C (or a child dying) stops everything it started. Kafka's data survives between runs; its log goes to the run
folder with the others.

It never harms what it did not start: a second ``molt up`` on the same worker data
folder is refused at once, naming the running one and its ports (``ALREADY_RUNNING``),
as is an edge or worker port in use; a broker that already runs is used and left
running.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from pathlib import Path

from infra.localkafka import LocalKafka
from infra.localregistry import LocalRegistry
from infra.schemaregistry import ensure_schemas
from infra.settings import (
    REPO_ROOT,
    EdgeSettings,
    KafkaSettings,
    SchemaRegistrySettings,
    TopicSettings,
    WorkerSettings,
)
from infra.topicadmin import ensure_topics
from molt.preflight import instance_lock, require_free, require_kafka
from molt.processes import ManagedProcess, ProcessFailed, molt_argv
from streams.sim.registry import ENGINES

READY_TIMEOUT_S = 120.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("up", help="run Kafka, a worker and an edge until Ctrl-C")
    parser.add_argument("--run-dir", type=Path, default=None, help="folder for this run's logs")
    parser.add_argument("--bots", type=int, default=2, help="demo bots per game (0 for none)")
    parser.set_defaults(func=run)


def _run_dir(requested: Path | None) -> Path:
    path = requested or REPO_ROOT / "var" / "run" / time.strftime("%Y%m%d-%H%M%S")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args: argparse.Namespace) -> int:
    kafka_settings, edge, worker = KafkaSettings(), EdgeSettings(), WorkerSettings()
    addresses = {"kafka": kafka_settings.bootstrap_servers, "worker": f"{worker.web_host}:{worker.web_port}",
                 "edge": f"{edge.host}:{edge.port}"}  # fmt: skip
    # The worker data folder is what two instances could not share (its tables' stores).
    with instance_lock(worker.data_dir / "molt-up.lock", "molt up", addresses):
        require_free(edge.host, edge.port, "MOLT_EDGE_PORT")
        require_free(worker.web_host, worker.web_port, "MOLT_WORKER_WEB_PORT")
        return _serve(args, kafka_settings, edge, worker)


def _serve(args: argparse.Namespace, kafka_settings: KafkaSettings, edge: EdgeSettings, worker: WorkerSettings) -> int:
    run_dir = _run_dir(args.run_dir)
    if not kafka_settings.is_external:
        kafka_settings = kafka_settings.model_copy(update={"log_dir": run_dir})
    kafka = LocalKafka(kafka_settings, report=print)
    registry_settings = SchemaRegistrySettings()
    if not registry_settings.is_external:
        registry_settings = registry_settings.model_copy(update={"log_dir": run_dir})
    registry = LocalRegistry(registry_settings, data_dir=REPO_ROOT / "var" / "registry" / "data", report=print)
    children: list[ManagedProcess] = []
    stop_requested = False

    def request_stop(*_: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        bootstrap = kafka.start()
        if kafka_settings.is_external:
            print(f"kafka     {bootstrap}  (external cluster)")
        elif kafka.started_here:
            print(f"kafka     pid {kafka.pid()}  {bootstrap}  log {kafka.log_path}")
        else:
            print(f"kafka     pid {kafka.pid()}  {bootstrap}  (already running: used, and left running)")
        require_kafka(bootstrap)  # an external cluster may not be there
        registry_url = registry.start()
        where = f"pid {registry.pid}  log {registry.log_path}" if registry.started_here else "(already running)"
        print(f"registry  {registry_url}  {where}")
        asyncio.run(ensure_topics(bootstrap, TopicSettings(), worker.app_id))
        ensure_schemas(registry_settings, worker.app_id)
        # A demo on this machine: the edge runs in development (built-in token key).
        env = {"MOLT_KAFKA_BOOTSTRAP": bootstrap, "MOLT_SCHEMA_REGISTRY_URL": registry_url,
               "MOLT_EDGE_ENV": "development"}  # fmt: skip
        children.append(ManagedProcess("worker", molt_argv("worker"), run_dir / "worker.log", env).start())
        children.append(ManagedProcess("edge", molt_argv("edge"), run_dir / "edge.log", env).start())
        worker_url = f"http://{worker.web_host}:{worker.web_port}/readyz/"
        edge_url = f"http://{edge.host}:{edge.port}"
        children[0].wait_http_ok(worker_url, READY_TIMEOUT_S)
        children[1].wait_http_ok(f"{edge_url}/readyz", READY_TIMEOUT_S)
        if args.bots:
            for game in ENGINES:
                argv = molt_argv("bots", "--game", game, "--count", str(args.bots), "--url", edge_url)
                children.append(ManagedProcess(f"bots-{game}", argv, run_dir / f"bots-{game}.log", env).start())
        for child in children:
            print(f"{child.name:<9} pid {child.pid}  log {child.log_path}")
        print(f"\nMoltStation Live is up: {edge_url}  (API docs {edge_url}/docs)")
        print("Ctrl-C stops everything.")
        while not stop_requested:
            for child in children:
                child.check_alive()
            time.sleep(0.5)  # supervising children: nothing to await across processes
    except KeyboardInterrupt:
        pass
    except ProcessFailed as exc:
        print(f"\n{exc}")
        return 1
    finally:
        print("\nstopping…")
        for child in reversed(children):
            child.stop()
        registry.stop()  # only a registry this run started
        kafka.release()  # only a broker this run started
        signal.signal(signal.SIGTERM, previous)
        print("stopped.")
    return 0
