"""Registers the leaderboard view on a Faust app: session.results into ``leaderboard``.

Each result is offered to its game's shard for the result's partition (see
streams.leaderboard.board); the table's changelog is what the edge materialises.
"""

from __future__ import annotations

import logging

import faust

from molt.settings import TopicSettings
from schemas.codec import Codec, CodecError
from schemas.topics import LEADERBOARD_VIEW, SESSION_RESULTS
from streams.leaderboard.board import admit, entry_of, shard_key

log = logging.getLogger(__name__)


def install(app: faust.App, topics: TopicSettings) -> None:
    codec = Codec()
    results = app.topic(SESSION_RESULTS.name, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    table = app.Table(LEADERBOARD_VIEW, key_type=bytes, value_type=bytes, partitions=topics.partitions)

    @app.agent(results, name="rank_runs")
    async def rank_runs(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                result = codec.decode("RunResult", event.value)
            except CodecError as exc:
                log.error("skipping unreadable result at offset %d: %s", event.message.offset, exc)
                continue
            entry = entry_of(result)
            if entry is None:
                continue
            partition = event.message.partition
            key = shard_key(result["game"], partition).encode()
            stored = table.get(key)
            entries = [] if stored is None else codec.decode("LeaderboardShard", stored)["entries"]
            shard = admit(entries, entry)
            if shard is not None:
                table[key] = codec.encode(
                    "LeaderboardShard", {"game": result["game"], "partition": partition, "entries": shard}
                )
