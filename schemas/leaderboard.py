"""The leaderboard view's order and size, shared by the worker that writes its shards and
the edge that merges them.

Order: higher score first, then the run that ended earlier (it got there first), then
session id, so equal runs always rank the same. Since a game's best ``n`` runs are among
the union of every shard's best ``n``, the merge is exact for any limit up to ``SHARD_SIZE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

SHARD_SIZE = 100  # the largest leaderboard a client may ask for


Entry = TypeVar("Entry", bound=Mapping[str, Any])


def rank_key(entry: Mapping[str, Any]) -> tuple[int, int, str]:
    return -entry["score"], entry["endedAtMs"], entry["sessionId"]


def merge(shards: Iterable[Iterable[Entry]], limit: int) -> list[Entry]:
    """A game's best ``limit`` runs from its shards, best first."""
    return sorted((e for shard in shards for e in shard), key=rank_key)[:limit]
