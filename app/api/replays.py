"""Ended runs, played back: ``GET /api/games/{slug}/sessions/{sessionId}/replay``.

The frames are those the worker published on session.frames while the run was live,
what its spectators saw, read back from the log by ``infra.runlog``: the edge runs no
game rules. Each frame's ``state`` is the engine's JSON as the worker encoded it (the
same text a WebSocket ``frame`` carries), put into the body without a parse.

Frames are kept one day (session.frames' retention): an older run comes back with
the frames still in the log, none once they are all gone; ``molt replay`` rebuilds
any run from its commands, kept forever. A tick published twice (by a second
consumer group folding the same log) is served once.

The log is read with aiokafka on the event loop, a bounded chunk between two awaits;
each read holds a consumer, so at most ``CONCURRENT_READS`` run at once and the
others wait their turn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.deps import Bus, Engine
from app.errors import documented, run_not_ended, session_not_found
from infra.logreader import LogReader
from infra.runlog import RunLog
from schemas.views import RunResult

router = APIRouter(prefix="/api/games/{slug}/sessions", tags=["sessions"])

CONCURRENT_READS = 4
FRAME_TEMPLATE = '{"tick":%d,"state":%s,"lastInputSeq":%d}'


class ReplayFrame(BaseModel):
    tick: int
    state: dict[str, Any]
    lastInputSeq: int


class ReplayPublic(BaseModel):
    """The documented shape of the answer (the body is written directly, see the module docstring)."""

    sessionId: str
    game: str
    result: dict[str, Any]
    frames: list[ReplayFrame]


class RunFrames:
    """Reads ended runs' published frames from the log, a few at a time."""

    def __init__(self, bootstrap: str, partitions: int) -> None:
        self._bootstrap = bootstrap
        self._partitions = partitions
        self._turns = asyncio.Semaphore(CONCURRENT_READS)

    async def frames(self, result: RunResult) -> list[dict]:
        """The run's published SessionFrame datums, one per tick, in tick order."""
        async with self._turns, LogReader(self._bootstrap) as reader:
            logged = (await RunLog(reader, self._partitions).frames([result])).get(result["sessionId"], [])
        by_tick: dict[int, dict[str, Any]] = {}
        for each in logged:
            by_tick.setdefault(each.value["seq"], each.value)
        return [by_tick[tick] for tick in sorted(by_tick)]


@router.get(
    "/{session_id}/replay",
    response_model=ReplayPublic,
    responses=documented(
        _404="GAME_NOT_FOUND or SESSION_NOT_FOUND",
        _409="RUN_NOT_ENDED: the run is still waiting or live (watch it live)",
    ),
)
async def replay(slug: str, session_id: str, engine: Engine, bus: Bus, request: Request) -> Response:
    """An ended run's result and every frame published for it, in tick order."""
    view = bus.sessions.get(session_id)
    if view is None or view.game != slug:
        raise session_not_found(session_id)
    if view.status != "ended":
        raise run_not_ended("the run has not ended yet; watch it live")
    result = view.result
    frames = await request.app.state.run_frames.frames(result)
    body = b"".join(
        (
            b'{"sessionId":', orjson.dumps(session_id), b',"game":', orjson.dumps(slug),
            b',"result":', orjson.dumps(result), b',"frames":[',
            ",".join(FRAME_TEMPLATE % (f["seq"], f["frameJson"], f["lastInputSeq"]) for f in frames).encode(),
            b"]}",
        )
    )  # fmt: skip
    return Response(body, media_type="application/json")
