"""The leaderboard's Faust shell: each result offered to its game's shard for its partition.

The ranker keeps each shard it last read or wrote decoded, next to the bytes it came
from: while the table holds those same bytes, a result costs no decode. (Decoding the
shard for every result was 7% of a worker's CPU with 500 sessions ending runs.) And it
writes a shard around its entries' kept encodings (``shardbytes``), since a run enters
every shard that is not full yet.

No result is missing from the board: a partition's results since the committed offset
are read again at each assignment and offered with its first event
(``streams.gaps.catchup``), which ``admit`` makes harmless for a run already in the
shard; and a result is acked once its shard write is in Kafka (``streams.gaps.acks``).
"""

from __future__ import annotations

import asyncio
import logging

import faust

from schemas.codec import Codec, CodecError
from streams.gaps import acks
from streams.gaps.catchup import CatchUp
from streams.leaderboard.board import admit, entry_of, shard_key
from streams.leaderboard.shardbytes import ShardWriter

log = logging.getLogger(__name__)


class Ranker:
    def __init__(self, app: faust.App, table: faust.types.TableT, *, results: str, bootstrap: str) -> None:
        self.table = table
        self.results = results
        self.codec = Codec()
        self.shards = ShardWriter(self.codec)
        self.catch_up = CatchUp(app, bootstrap, (results,))
        self._decoded: dict[bytes, tuple[bytes, list[dict]]] = {}  # shard key -> (stored bytes, their entries)

    async def on_event(self, event: faust.EventT) -> list[asyncio.Future]:
        """Offer the partition's backlog, then the event's result; returns the futures of the shard writes."""
        message = event.message
        backlog = await self.catch_up.backlog(message.partition)
        if backlog is None:
            return []  # not ours (any more): the owner ranks it
        records = [*backlog.get(self.results, []), (message.offset, message.value)]
        return [write for offset, value in records for write in self._offer(message.partition, offset, value)]

    def _offer(self, partition: int, offset: int, value: bytes | None) -> list[asyncio.Future]:
        """Offer one result to its shard; returns the shard write's future, if the shard changed."""
        try:
            if value is None:
                raise CodecError("a record without a value")
            result = self.codec.decode("RunResult", value)
        except CodecError as exc:
            log.error("skipping unreadable result at %d@%d: %s", partition, offset, exc)
            return []
        entry = entry_of(result)
        if entry is None:
            return []
        name = shard_key(result["game"], partition)
        key = name.encode()
        shard = admit(self._entries(key), entry)
        if shard is None:
            return []
        stored = self.shards.encode(name, result["game"], partition, shard)
        self._decoded[key] = (stored, shard)
        return [acks.write(self.table, partition, key, stored)]

    def _entries(self, key: bytes) -> list[dict]:
        stored = self.table.get(key)
        if stored is None:
            return []
        cached = self._decoded.get(key)
        if cached is not None and cached[0] == stored:
            return cached[1]
        entries = self.codec.decode("LeaderboardShard", stored)["entries"]
        self._decoded[key] = (stored, entries)
        return entries
