"""The leaderboard's pure core: a game's best ``api`` runs, one shard per partition.

A Faust table write lands in the changelog partition of the event being handled, so a
single key per game written from every partition would have several writers. Instead
each partition keeps its own shard (key ``game/partition``) of the best ``SHARD_SIZE``
runs it has seen, and the edge merges a game's shards (``schemas.leaderboard`` holds the
order and the merge). A re-published result changes nothing. Runs that never started (a
session that expired waiting) and practice runs never rank.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from schemas.leaderboard import SHARD_SIZE, rank_key


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
