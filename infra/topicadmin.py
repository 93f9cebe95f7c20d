"""Creates the product's topics, idempotently, with an explicit partition count.

A topic that already exists is left as it is, but one whose partition count differs
from the configured count is an error: co-partitioning would silently break.
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra.kafkaclients import client_options
from infra.settings import TopicSettings
from schemas.topics import all_topics


class TopicLayoutError(Exception):
    """An existing topic does not have the layout the product needs."""


async def ensure_topics(bootstrap: str, settings: TopicSettings, app_id: str) -> list[str]:
    """Create missing topics (views' changelogs included); return the names created."""
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
                topic_configs=spec.config,
            )
            for spec in specs
            if spec.name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        present = [s.name for s in specs if s.name in existing]
        if present:
            for desc in await admin.describe_topics(present):
                count = len(desc["partitions"])
                if count != settings.partitions:
                    raise TopicLayoutError(
                        f"topic {desc['topic']} has {count} partitions, the product is "
                        f"configured for {settings.partitions} (MOLT_TOPICS_PARTITIONS)"
                    )
        return [t.name for t in missing]
    finally:
        await admin.close()
