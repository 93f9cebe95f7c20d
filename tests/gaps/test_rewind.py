"""rewind_uncommitted: Faust's seek to committed offsets also rewinds the agents' uncommitted partitions."""

from __future__ import annotations

from aiokafka import TopicPartition

from infra.settings import KafkaSettings, TopicSettings, WorkerSettings
from streams.app import create_app
from streams.gaps.rewind import agent_topics, rewind_uncommitted

RESULTS_0, RESULTS_1 = TopicPartition("session.results", 0), TopicPartition("session.results", 1)
TRIGGERS_0 = TopicPartition("session.snapshot-triggers", 0)
CHANGELOG_0 = TopicPartition("molt-rewards-changelog", 0)


class Consumer:
    """What rewind_uncommitted uses of a Faust consumer, recording its seeks."""

    def __init__(self, committed: dict[TopicPartition, int | None]) -> None:
        self.committed = committed
        self.seeks: list[tuple[TopicPartition, int]] = []

    async def seek_to_committed(self) -> dict[TopicPartition, int | None]:
        return self.committed

    async def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))


async def test_partitions_without_a_committed_offset_are_read_from_0_changelogs_are_not() -> None:
    committed = {RESULTS_0: None, RESULTS_1: 5, TRIGGERS_0: 0, CHANGELOG_0: None}
    consumer = Consumer(committed)
    rewind_uncommitted(consumer, ["session.results", "session.snapshot-triggers"])  # type: ignore[arg-type]
    assert await consumer.seek_to_committed() == committed  # Faust still gets the committed offsets
    assert sorted(consumer.seeks) == sorted([(RESULTS_0, 0), (TRIGGERS_0, 0)])


def test_the_worker_rewinds_the_topics_its_agents_read() -> None:
    app = create_app(WorkerSettings(), KafkaSettings(), TopicSettings())
    assert agent_topics(app) == {"session.results", "session.snapshot-triggers", f"{app.conf.id}-table-turns"}
    assert app.consumer.seek_to_committed.__name__ == "seek_to_committed_or_start"
