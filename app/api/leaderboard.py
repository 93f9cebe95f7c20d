"""A game's leaderboard: its best ``api`` runs, from the worker's leaderboard view.

The view holds one shard per (game, partition) (streams.leaderboard.board); the edge
merges a game's shards per request. Practice runs are never on it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.deps import Bus, Engine
from app.errors import documented
from app.timestamps import iso
from schemas.leaderboard import SHARD_SIZE, merge

router = APIRouter(prefix="/api/games/{slug}", tags=["leaderboard"])


@router.get("/leaderboard", responses=documented(_404="GAME_NOT_FOUND"))
async def leaderboard(
    slug: str, engine: Engine, bus: Bus, limit: Annotated[int, Query(ge=1, le=SHARD_SIZE)] = 10
) -> dict[str, Any]:
    shards = (shard.entries for shard in bus.leaderboard.values() if shard.game == slug)
    entries = [
        {
            "rank": rank,
            "sessionId": entry["sessionId"],
            "player": {"id": entry["playerId"], "name": entry["playerName"]},
            "score": entry["score"],
            "endedAt": iso(entry["endedAtMs"] / 1000),
        }
        for rank, entry in enumerate(merge(shards, limit), start=1)
    ]
    return {"game": slug, "entries": entries}
