"""Creates the product's topics, idempotently, with an explicit layout: partition count,
replication factor and ``min.insync.replicas``, all from ``TopicSettings``.

Invariants:

* A layout that cannot keep an acknowledged record is refused before anything is
  created: ``min.insync.replicas`` above the replication factor (no write could ever be
  acknowledged), or a replication factor above the brokers there are. A replicated
  layout whose ``min.insync.replicas`` is 1 is allowed with one warning line (logged):
  a record acknowledged by its leader alone dies with that broker's disk.
* A topic that already exists is left as it is, but one whose partition count or
  replication factor differs from the configured one is an error: co-partitioning
  would silently break, or records be kept fewer times than the operator asked.
"""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.kafkaclients import client_options
from infra.settings import TopicSettings
from schemas.topics import all_topics

log = logging.getLogger(__name__)


class TopicLayoutError(Exception):
    """The configured layout cannot keep acknowledged records, or an existing topic
    does not have the layout the product needs."""


def check_layout(settings: TopicSettings) -> str | None:
    """Refuse a layout that can never acknowledge a write; the warning line for one that
    may lose an acknowledged write, else None."""
    replicas, min_isr = settings.replication_factor, settings.min_insync_replicas
    if min_isr > replicas:
        raise TopicLayoutError(
            f"min.insync.replicas {min_isr} is above the replication factor {replicas}: no write could be"
            " acknowledged (MOLT_TOPICS_MIN_INSYNC_REPLICAS, MOLT_TOPICS_REPLICATION_FACTOR)"
        )
    if replicas > 1 and min_isr == 1:
        return (
            f"topics: replication factor {replicas} with min.insync.replicas 1 acknowledges a record kept by one"
            " broker only; set MOLT_TOPICS_MIN_INSYNC_REPLICAS=2 so losing a broker loses nothing"
        )
    return None


async def ensure_topics(bootstrap: str, settings: TopicSettings, app_id: str) -> list[str]:
    """Create missing topics (views' changelogs included); return the names created."""
    warning = check_layout(settings)
    if warning is not None:
        log.warning(warning)
    specs = all_topics(app_id)
    admin = AIOKafkaAdminClient(**client_options(bootstrap), client_id="molt-topics")
    try:
        # Inside the try: a start that fails (no broker) has opened connections all the same.
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=spec.name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={**spec.config, "min.insync.replicas": str(settings.min_insync_replicas)},
            )
            for spec in specs
            if spec.name not in existing
        ]
        if missing:
            # Checked only when creating: a running product must restart while a broker is down.
            brokers = len((await admin.describe_cluster())["brokers"])
            if settings.replication_factor > brokers:
                raise TopicLayoutError(
                    f"replication factor {settings.replication_factor} needs as many brokers; {bootstrap} has"
                    f" {brokers} (MOLT_TOPICS_REPLICATION_FACTOR)"
                )
            await admin.create_topics(missing)
        present = [s.name for s in specs if s.name in existing]
        if present:
            for desc in await admin.describe_topics(present):
                check_existing(desc, settings)
        return [t.name for t in missing]
    finally:
        await admin.close()


def check_existing(desc: dict, settings: TopicSettings) -> None:
    """Refuse an existing topic (as ``describe_topics`` gives it) laid out otherwise."""
    partitions = desc["partitions"]
    if len(partitions) != settings.partitions:
        raise TopicLayoutError(
            f"topic {desc['topic']} has {len(partitions)} partitions, the product is "
            f"configured for {settings.partitions} (MOLT_TOPICS_PARTITIONS)"
        )
    replicas = {len(p["replicas"]) for p in partitions}
    if replicas != {settings.replication_factor}:
        raise TopicLayoutError(
            f"topic {desc['topic']} keeps {'/'.join(map(str, sorted(replicas)))} replicas, the product is "
            f"configured for {settings.replication_factor} (MOLT_TOPICS_REPLICATION_FACTOR)"
        )
