"""``molt topics``: create the product's topics (idempotent)."""

from __future__ import annotations

import argparse
import asyncio

from infra.settings import KafkaSettings, TopicSettings, WorkerSettings
from infra.topicadmin import ensure_topics
from molt.preflight import require_kafka


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("topics", help="create the topics (idempotent)")
    parser.set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    kafka, topics = KafkaSettings(), TopicSettings()
    require_kafka(kafka.bootstrap_servers)
    created = asyncio.run(ensure_topics(kafka.bootstrap_servers, topics, WorkerSettings().app_id))
    print(f"topics on {kafka.bootstrap_servers}: created {len(created)} ({', '.join(created) or 'none'})")
    return 0
