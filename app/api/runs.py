"""A game's recent runs: its last ended ``api`` runs, newest first, a page at a time.

Served from ``app.recentruns``, which the edge keeps from the sessions view as it follows
it: the newest ``KEPT`` runs per game, so ``offset`` reaches that deep and no further
(``total`` says how many are kept). Practice runs are never listed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.deps import Engine
from app.errors import documented
from app.recentruns import KEPT
from app.timestamps import iso

router = APIRouter(prefix="/api/games/{slug}", tags=["sessions"])


class Player(BaseModel):
    id: str
    name: str


class RunPublic(BaseModel):
    sessionId: str
    player: Player
    score: int
    endReason: str
    ticks: int
    startedAt: str | None
    endedAt: str


class RunsPage(BaseModel):
    game: str
    runs: list[RunPublic]
    offset: int
    total: int
    nextOffset: int | None  # the next page's offset, or null on the last page


@router.get("/runs", response_model=RunsPage, responses=documented(_404="GAME_NOT_FOUND"))
async def recent_runs(
    slug: str,
    engine: Engine,
    request: Request,
    offset: Annotated[int, Query(ge=0, lt=KEPT)] = 0,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> RunsPage:
    """The game's ended api runs, newest first (the last ``KEPT`` of them, paged)."""
    results, total = request.app.state.recent_runs.page(slug, offset, limit)
    runs = [
        RunPublic(
            sessionId=r["sessionId"],
            player=Player(id=r["playerId"], name=r["playerName"]),
            score=r["score"],
            endReason=r["endReason"],
            ticks=r["ticks"],
            startedAt=None if r["startedAtMs"] is None else iso(r["startedAtMs"] / 1000),
            endedAt=iso(r["endedAtMs"] / 1000),
        )
        for r in results
    ]
    after = offset + len(runs)
    return RunsPage(game=slug, runs=runs, offset=offset, total=total, nextOffset=after if after < total else None)
