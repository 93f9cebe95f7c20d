"""Faust's seek to committed offsets also rewinds the agents' uncommitted partitions to 0.

aiokafka's ``seek_to_committed`` leaves a partition with nothing committed where it
was, past the records Faust dropped around a rebalance (gap 3 in ``streams.gaps``).
``rewind_uncommitted`` puts each such partition of the agents' input topics back at
offset 0: records since the start are handled again, which is what at-least-once
processing promises anyway. Changelog partitions are left alone: Faust positions those
itself while it recovers tables.

The catch-up (``streams.gaps.catchup``) reads the same records for the rewards and
leaderboard agents; this is still needed by the table-turns agent, which has none. A
``TableTurn`` is a request for an event of its partition, in which the session runtime
writes its queued tables, not a fact to read again; and the runtime asks for its next
turn only once the last one was taken, so a dropped turn would stop the partition's
table writes for as long as the worker owns it. For the catch-up's agents it narrows
what their read leaves open: records dropped after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import faust
from faust.types import TP

log = logging.getLogger(__name__)


def agent_topics(app: faust.App) -> frozenset[str]:
    """The topics the app's agents read (not the tables' changelogs)."""
    return frozenset(name for agent in app.agents.values() for name in agent.channel.topics)


def rewind_uncommitted(consumer: Any, topics: Iterable[str]) -> None:
    """From now on, ``consumer``'s seek to committed offsets also rewinds uncommitted partitions of ``topics``.

    ``consumer`` is Faust's concrete consumer: its ConsumerT interface does not declare
    ``seek_to_committed``."""
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

    consumer.seek_to_committed = seek_to_committed_or_start
