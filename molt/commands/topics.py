"""``molt topics``: create the product's topics (idempotent) with the layout of
``MOLT_TOPICS_*``: partitions, replication factor, ``min.insync.replicas``.

A layout that cannot keep an acknowledged record is refused (``BAD_SETTINGS``, see
``infra.topicadmin``); a replicated one with ``min.insync.replicas`` 1 is created with a
warning on stderr.
"""

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
    layout = (
        f"{topics.partitions} partitions, replication factor {topics.replication_factor},"
        f" min.insync.replicas {topics.min_insync_replicas}"
    )
    print(f"topics on {kafka.bootstrap_servers} ({layout}): created {len(created)} ({', '.join(created) or 'none'})")
    return 0
