"""The partitions a worker owns: Faust's group assigns them, one ``Owned`` each.

Faust's consumer group assigns the worker's turns topic, which is co-partitioned with
the session topics and the tables: owning its partition p is owning partition p of
each. An owned partition has a task from the moment it is assigned (recovering it), a
fold once recovered (None until then: the partition is not ready), and its table
queue. A revoked partition's entry goes, and its task is cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field

from aiokafka import TopicPartition

from streams.sessions.partition import PartitionFold
from streams.sessions.turns import TableQueue


@dataclass
class Owned:
    """One owned partition: its fold once recovered, and table writes awaiting a turn."""

    partition: int
    fold: PartitionFold | None = None
    task: asyncio.Task | None = None
    queue: TableQueue = field(default_factory=TableQueue)


class Ownership:
    def __init__(self, turns_topic: str, run: Callable[[Owned], Coroutine[None, None, None]]) -> None:
        self.turns_topic = turns_topic
        # What an owned partition's task runs, from its assignment until it is revoked.
        self.run = run
        self.owned: dict[int, Owned] = {}
        # False until the first assignment arrived: before it, "owns nothing" means nothing.
        self.assigned_once = False

    def assign(self, assignment: Iterable[TopicPartition]) -> None:
        """Own every partition of the turns topic in ``assignment`` not owned yet."""
        self.assigned_once = True
        for tp in assignment:
            if tp.topic == self.turns_topic and tp.partition not in self.owned:
                entry = Owned(tp.partition)
                self.owned[tp.partition] = entry
                entry.task = asyncio.create_task(self.run(entry), name=f"partition-{tp.partition}")

    def revoke(self, revoked: Iterable[TopicPartition]) -> None:
        for tp in revoked:
            if tp.topic == self.turns_topic:
                entry = self.owned.pop(tp.partition, None)
                if entry is not None and entry.task is not None:
                    entry.task.cancel()

    def ready(self) -> list[int]:
        """The owned partitions already recovered."""
        return [p for p, entry in self.owned.items() if entry.fold is not None]

    def positions(self) -> dict[int, int]:
        """Where the shared reader goes on in each recovered partition: after its last folded record."""
        return {p: entry.fold.applied_offset + 1 for p, entry in self.owned.items() if entry.fold is not None}
