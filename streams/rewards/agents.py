"""Registers the rewards pipeline on a Faust app: its input topics, table and agent.

One agent reads session.results and session.snapshot-triggers together (the same
partition number of both goes to one worker; the session runtime forwards every
SnapshotTriggered record of session.commands there, so this agent is not handed every
input and tick), so a run's result and triggers are handled one at
a time; the pipeline (streams.rewards.pipeline) does the rest.
"""

from __future__ import annotations

import faust

from infra.settings import TopicSettings
from schemas.topics import REWARDS_OUTCOMES, REWARDS_TABLE, SESSION_RESULTS, SNAPSHOT_TRIGGERS
from streams.gaps import agent
from streams.gaps.catchup import CatchUp
from streams.rewards.pipeline import RewardsPipeline


def install(app: faust.App, topics: TopicSettings, bootstrap: str) -> CatchUp:
    """Returns the pipeline's catch-up: a partition is ready once it has caught up."""
    facts = app.topic(
        SESSION_RESULTS.name, SNAPSHOT_TRIGGERS.name, key_type=bytes, value_type=bytes, partitions=topics.partitions
    )
    outcomes = app.topic(REWARDS_OUTCOMES.name, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    table = app.Table(REWARDS_TABLE, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    pipeline = RewardsPipeline(
        app, table, outcomes, results=SESSION_RESULTS.name, triggers=SNAPSHOT_TRIGGERS.name, bootstrap=bootstrap
    )
    agent.install(app, facts, "reward_runs", pipeline.on_event, pipeline.catch_up)
    return pipeline.catch_up
