"""Registers the leaderboard view on a Faust app: session.results into ``leaderboard``.

Each result is offered to its game's shard for the result's partition (see
streams.leaderboard.board); the table's changelog is what the edge materialises.

The agent keeps each shard it last read or wrote decoded, next to the bytes it came
from: while the table holds those same bytes, a result costs no decode. (Decoding the
shard for every result was 7% of a worker's CPU with 500 sessions ending runs.) And it
writes a shard around its entries' kept encodings (``shardbytes``), since a run enters
every shard that is not full yet.

A result is acked once its shard write is in Kafka (``streams.durable``): a committed
result is never missing from the board after a crash.
"""

from __future__ import annotations

import asyncio
import logging

import faust
from faust.types import EventT

from infra.settings import TopicSettings
from schemas.codec import Codec, CodecError
from schemas.topics import LEADERBOARD_VIEW, SESSION_RESULTS
from streams import durable
from streams.durable import DurableAcks
from streams.leaderboard.board import admit, entry_of, shard_key
from streams.leaderboard.shardbytes import ShardWriter

log = logging.getLogger(__name__)


def install(app: faust.App, topics: TopicSettings) -> None:
    codec = Codec()
    results = app.topic(SESSION_RESULTS.name, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    table = app.Table(LEADERBOARD_VIEW, key_type=bytes, value_type=bytes, partitions=topics.partitions)
    decoded: dict[bytes, tuple[bytes, list[dict]]] = {}  # shard key -> (stored bytes, their entries)
    shards = ShardWriter(codec)

    def entries_of(key: bytes) -> list[dict]:
        stored = table.get(key)
        if stored is None:
            return []
        cached = decoded.get(key)
        if cached is not None and cached[0] == stored:
            return cached[1]
        entries = codec.decode("LeaderboardShard", stored)["entries"]
        decoded[key] = (stored, entries)
        return entries

    async def rank(event: EventT) -> list[asyncio.Future]:
        """Offer one result to its shard; returns the shard write's future, if it changed."""
        try:
            result = codec.decode("RunResult", event.value)
        except CodecError as exc:
            log.error("skipping unreadable result at offset %d: %s", event.message.offset, exc)
            return []
        entry = entry_of(result)
        if entry is None:
            return []
        partition = event.message.partition
        name = shard_key(result["game"], partition)
        key = name.encode()
        shard = admit(entries_of(key), entry)
        if shard is None:
            return []
        stored = shards.encode(name, result["game"], partition, shard)
        decoded[key] = (stored, shard)
        return [durable.write(table, partition, key, stored)]

    acks = DurableAcks(app, "rank_runs")

    @app.agent(results, name="rank_runs")
    async def rank_runs(stream: faust.StreamT) -> None:
        await acks.consume(stream, rank)
