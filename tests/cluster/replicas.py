"""What a cluster's metadata says about partition leaders and in-sync replicas."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from aiokafka.admin import AIOKafkaAdminClient


async def describe_topics(bootstrap: str, topics: list[str] | None = None) -> list[dict]:
    """Every partition of ``topics`` (of every topic, internal ones included, when None)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return await admin.describe_topics(topics)
    finally:
        await admin.close()


async def leaders(bootstrap: str, topic: str) -> Counter[int]:
    """How many partitions of ``topic`` each broker (by node id) leads."""
    [described] = await describe_topics(bootstrap, [topic])
    return Counter(partition["leader"] for partition in described["partitions"])


def short_of(described: list[dict]) -> list[str]:
    """The partitions with a replica out of sync, as ``topic/partition isr [...] of [...]``."""
    return [
        f"{topic['topic']}/{partition['partition']} isr {sorted(partition['isr'])} of {sorted(partition['replicas'])}"
        for topic in described
        for partition in topic["partitions"]
        if len(partition["isr"]) < len(partition["replicas"])
    ]


async def wait_full_isr(bootstrap: str, timeout_s: float = 120.0) -> float:
    """Wait until every replica of every partition of every topic is in sync; the seconds it took."""
    began = time.monotonic()
    while lagging := short_of(await describe_topics(bootstrap)):
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"{len(lagging)} partitions not fully in sync after {timeout_s:g} s: {lagging[:5]}")
        await asyncio.sleep(0.25)  # polling the brokers' metadata: there is no event to await
    return time.monotonic() - began
