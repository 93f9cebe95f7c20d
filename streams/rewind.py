"""Agents re-read a partition from its start when it has no committed offset yet.

Around a rebalance Faust drops records it had already fetched (a batch cut short when
the consumer's flow stops, the generation changes or a partition is paused) and seeks
each partition back to its committed offset before going on. But aiokafka's
``seek_to_committed`` only seeks where the committed offset is above 0: a partition
with nothing committed yet keeps the position past the dropped records, and they are
never handed to an agent. (faust-streaming 0.15.3, aiokafka 0.14: a worker killed
before its first commit, and the survivor skipped the first results and snapshot
triggers of the partitions it took over, so those runs were never paid.)

``rewind_uncommitted`` makes Faust's seek-to-committed also put each such partition of
the agents' input topics back at offset 0: records since the start are handled again,
which is what at-least-once processing promises anyway. Changelog partitions are left
alone: Faust positions those itself while it recovers tables.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import faust
from faust.types import TP

log = logging.getLogger(__name__)


def agent_topics(app: faust.App) -> frozenset[str]:
    """The topics the app's agents read (not the tables' changelogs)."""
    return frozenset(name for agent in app.agents.values() for name in agent.channel.topics)


def rewind_uncommitted(consumer: faust.types.ConsumerT, topics: Iterable[str]) -> None:
    """From now on, ``consumer``'s seek to committed offsets also rewinds uncommitted partitions of ``topics``."""
    names = frozenset(topics)
    seek_to_committed = consumer.seek_to_committed

    async def seek_to_committed_or_start() -> Mapping[TP, int]:
        committed = await seek_to_committed()
        uncommitted = sorted(tp for tp, offset in committed.items() if not offset and tp.topic in names)
        for tp in uncommitted:
            await consumer.seek(tp, 0)
        if uncommitted:
            log.info(
                "reading from offset 0, as nothing is committed there yet: %s",
                ", ".join(f"{tp.topic}[{tp.partition}]" for tp in uncommitted),
            )
        return committed

    consumer.seek_to_committed = seek_to_committed_or_start  # type: ignore[method-assign]
