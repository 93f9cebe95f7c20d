"""``molt topics``: create the product's topics and register their value schemas (idempotent).

Topics get the layout of ``MOLT_TOPICS_*``: partitions, replication factor,
``min.insync.replicas``. A layout that cannot keep an acknowledged record is refused
(``BAD_SETTINGS``, see ``infra.topicadmin``); a replicated one with
``min.insync.replicas`` 1 is created with a warning on stderr.

Each topic's value schema goes to the schema registry under ``<topic>-value`` with the
subject's compatibility set first (``infra.schemaregistry``): an incompatible change is
refused there, ``SCHEMA_REFUSED``; a registry that does not answer is
``SCHEMA_REGISTRY_UNAVAILABLE``, naming it.
"""

from __future__ import annotations

import argparse
import asyncio

from infra.schemaregistry import ensure_schemas
from infra.settings import KafkaSettings, SchemaRegistrySettings, TopicSettings, WorkerSettings
from infra.topicadmin import ensure_topics
from molt.preflight import require_kafka


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("topics", help="create the topics and register their schemas (idempotent)")
    parser.set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    kafka, topics = KafkaSettings(), TopicSettings()
    require_kafka(kafka.bootstrap_servers)
    app_id, registry = WorkerSettings().app_id, SchemaRegistrySettings()
    created = asyncio.run(ensure_topics(kafka.bootstrap_servers, topics, app_id))
    layout = (
        f"{topics.partitions} partitions, replication factor {topics.replication_factor},"
        f" min.insync.replicas {topics.min_insync_replicas}"
    )
    print(f"topics on {kafka.bootstrap_servers} ({layout}): created {len(created)} ({', '.join(created) or 'none'})")
    ids = ensure_schemas(registry, app_id)
    print(f"value schemas registered in {ids.source} ({registry.compatibility} or stricter per subject)")
    return 0
