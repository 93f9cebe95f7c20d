"""Registers the leaderboard view on a Faust app: session.results into ``leaderboard``.

Each result is offered to its game's shard for the result's partition (see
streams.leaderboard.board, and streams.leaderboard.ranker for the shell); the table's
changelog is what the edge materialises.
"""

from __future__ import annotations

import faust

from infra.settings import TopicSettings
from schemas.topics import LEADERBOARD_VIEW, SESSION_RESULTS
from streams.gaps import agent
from streams.gaps.catchup import CatchUp
from streams.leaderboard.ranker import Ranker


def install(app: faust.App, topics: TopicSettings, bootstrap: str) -> CatchUp:
    """Returns the ranker's catch-up: a partition is ready once it has caught up."""
    results = app.topic(SESSION_RESULTS.name, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    table = app.Table(LEADERBOARD_VIEW, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    ranker = Ranker(app, table, results=SESSION_RESULTS.name, bootstrap=bootstrap)
    agent.install(app, results, "rank_runs", ranker.on_event, ranker.catch_up)
    return ranker.catch_up
