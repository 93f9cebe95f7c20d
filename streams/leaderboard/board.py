"""The leaderboard's pure core: a game's best ``api`` runs, one shard per partition.

A Faust table write lands in the changelog partition of the event being handled, so a
single key per game written from every partition would have several writers. Instead
each partition keeps its own shard (key ``game/partition``) of the best ``SHARD_SIZE``
runs it has seen, and the edge merges a game's shards. Since the global best ``n`` runs
are among the union of every shard's best ``n``, the merge is exact for any limit up to
``SHARD_SIZE``.

Order: higher score first, then the run that ended earlier (it got there first), then
session id, so equal runs always rank the same. A re-published result changes nothing.
Runs that never started (a session that expired waiting) and practice runs never rank.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

SHARD_SIZE = 100  # the largest leaderboard a client may ask for


def shard_key(game: str, partition: int) -> str:
    return f"{game}/{partition}"


def entry_of(result: dict[str, Any]) -> dict[str, Any] | None:
    """The LeaderboardEntry of a RunResult, or None when the run does not rank."""
    if result["mode"] != "api" or result["startedAtMs"] is None:
        return None
    return {
        "sessionId": result["sessionId"],
        "playerId": result["playerId"],
        "playerName": result["playerName"],
        "score": result["score"],
        "endedAtMs": result["endedAtMs"],
    }


def rank_key(entry: dict[str, Any]) -> tuple[int, int, str]:
    return -entry["score"], entry["endedAtMs"], entry["sessionId"]


def admit(entries: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The shard with ``entry`` in it, best first, or None when the shard stays as it is.

    ``entries`` is a shard as this returns it: ranked, at most ``SHARD_SIZE`` long.
    """
    key = rank_key(entry)
    # Most runs of a busy game rank below a full shard: one comparison turns them away.
    if len(entries) >= SHARD_SIZE and key > rank_key(entries[-1]):
        return None
    if any(e["sessionId"] == entry["sessionId"] for e in entries):
        return None
    at = bisect_left(entries, key, key=rank_key)
    return [*entries[:at], entry, *entries[at:]][:SHARD_SIZE] if at < SHARD_SIZE else None


def merge(shards: Iterable[list[dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """A game's best ``limit`` runs from its shards, best first."""
    return sorted((e for shard in shards for e in shard), key=rank_key)[:limit]
