"""The topic layout ``infra.topicadmin`` accepts: refused when it cannot keep an
acknowledged record, a warning when one broker's loss could lose one, silent otherwise."""

from __future__ import annotations

import pytest

from infra.settings import TopicSettings
from infra.topicadmin import TopicLayoutError, check_existing, check_layout


def layout(replicas: int, min_isr: int) -> TopicSettings:
    return TopicSettings(partitions=4, replication_factor=replicas, min_insync_replicas=min_isr)


@pytest.mark.parametrize(("replicas", "min_isr"), [(1, 1), (3, 2), (3, 3), (5, 3)])
def test_a_layout_that_keeps_every_acknowledged_record_is_taken_silently(replicas: int, min_isr: int) -> None:
    assert check_layout(layout(replicas, min_isr)) is None


@pytest.mark.parametrize(("replicas", "min_isr"), [(1, 2), (3, 4)])
def test_a_min_isr_above_the_replicas_is_refused_naming_both_settings(replicas: int, min_isr: int) -> None:
    with pytest.raises(TopicLayoutError, match=r"MOLT_TOPICS_MIN_INSYNC_REPLICAS.*MOLT_TOPICS_REPLICATION_FACTOR"):
        check_layout(layout(replicas, min_isr))


def test_replicas_acknowledged_by_their_leader_alone_are_a_warning() -> None:
    warning = check_layout(layout(3, 1))
    assert warning is not None
    assert "MOLT_TOPICS_MIN_INSYNC_REPLICAS=2" in warning


def described(partitions: int, replicas: int) -> dict:
    return {
        "topic": "session.commands",
        "partitions": [{"partition": p, "replicas": list(range(1, replicas + 1))} for p in range(partitions)],
    }


def test_an_existing_topic_with_fewer_replicas_than_configured_is_refused() -> None:
    check_existing(described(4, 3), layout(3, 2))
    with pytest.raises(TopicLayoutError, match=r"keeps 1 replicas.*configured for 3"):
        check_existing(described(4, 1), layout(3, 2))


def test_an_existing_topic_with_another_partition_count_is_refused() -> None:
    with pytest.raises(TopicLayoutError, match=r"has 8 partitions.*MOLT_TOPICS_PARTITIONS"):
        check_existing(described(8, 3), layout(3, 2))
