"""``molt topics``: create the product's topics and register their value schemas (idempotent).

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
    print(f"topics on {kafka.bootstrap_servers}: created {len(created)} ({', '.join(created) or 'none'})")
    ids = ensure_schemas(registry, app_id)
    print(f"value schemas registered in {ids.source} ({registry.compatibility} or stricter per subject)")
    return 0
