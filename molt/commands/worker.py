"""``molt worker``: one Faust worker process of the session runtime."""

from __future__ import annotations

import argparse
import asyncio
import sys

from infra.schemaregistry import install as install_schema_ids
from infra.settings import KafkaSettings, SchemaRegistrySettings, TopicSettings, WorkerSettings
from infra.topicadmin import ensure_topics
from molt.preflight import require_free, require_kafka

SWITCH_INTERVAL_S = 0.001


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="run a worker (Faust agents, tables, ticks)")
    parser.set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    # Imported here: loading Faust is slow and only the worker needs it.
    import uvloop

    from streams.app import create_app
    from streams.stopping import BoundedStopWorker

    kafka, topics, worker = KafkaSettings(), TopicSettings(), WorkerSettings()
    require_free(worker.web_host, worker.web_port, "MOLT_WORKER_WEB_PORT")
    require_kafka(kafka.bootstrap_servers)
    asyncio.run(ensure_topics(kafka.bootstrap_servers, topics, worker.app_id))
    # Ids resolved once, before any codec: the registry going away later stops no write.
    install_schema_ids(SchemaRegistrySettings(), worker.app_id)
    worker.worker_data_dir.mkdir(parents=True, exist_ok=True)
    # libuv's loop: the worker's time goes to the loop and the Kafka clients on it.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    # Faust runs its consumer in a thread of its own: 1 ms instead of the default 5 ms
    # bounds how long the loop that folds and publishes can wait for the interpreter lock.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = create_app(worker, kafka, topics)
    BoundedStopWorker(
        app, stop_timeout_s=worker.stop_timeout_s, loglevel=worker.log_level, quiet=True
    ).execute_from_commandline()
    return 0
