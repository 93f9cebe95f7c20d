"""Runs played back from the log: an ended run's frames, ``GET .../sessions/{sessionId}/replay``,
and a page of any run's frames, ``GET .../sessions/{sessionId}/frames?fromTick=&limit=``
(a viewer rewinding a live run, who keeps watching it live on their spectate socket).

The frames are those the worker published on session.frames while the run was live,
what its spectators saw, read back from the log by ``infra.runlog``: the edge runs no
game rules. Each frame's ``state`` is the engine's JSON as the worker encoded it (the
same text a WebSocket ``frame`` carries), put into the body without a parse.

Frames are kept one day (session.frames' retention): an older run comes back with
the frames still in the log, none once they are all gone; ``molt replay`` rebuilds
any run from its commands, kept forever. A tick published twice (by a second
consumer group folding the same log) is served once.

A page of a live run starts at the edge's tick index (``app.tickindex``) at or before its
first tick, else at the earliest time that tick can have been published, and reads
forward: its cost is its length, not the run's. A live run's frames are for the holders
of its spectator seats (a spectate token, as the socket takes), so pages never watch
past the spectator capacity; an ended run's are public, as its replay is.

The log is read with aiokafka on the event loop, a bounded chunk between two awaits;
each read holds a consumer, so at most ``MOLT_EDGE_REPLAY_READS`` run at once and the
others wait their turn, up to ``MOLT_EDGE_REPLAY_WAIT_S`` (then 503 REPLAY_BUSY).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel

from app.deps import Bus, Engine, Frames, Settings, Tokens
from app.errors import ApiError, documented, run_not_ended, session_not_found, unauthenticated
from app.tickindex import TickIndex
from app.tokens import TokenError
from infra.logreader import LogReader
from infra.runlog import RunEnd, RunLog, session_partition
from schemas.views import RunResult, SessionView

router = APIRouter(prefix="/api/games/{slug}/sessions", tags=["sessions"])

PAGE_DEFAULT = 300  # ten seconds at 30 Hz
BUSY = "REPLAY_BUSY, with Retry-After: every read of the log is taken (MOLT_EDGE_REPLAY_READS)"
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


class FramesPage(BaseModel):
    """The documented shape of a page (the body is written directly, see the module docstring)."""

    sessionId: str
    game: str
    status: Literal["waiting", "live", "ended"]
    fromTick: int
    liveTick: int  # the run's latest tick this edge has seen (its final tick once ended)
    nextTick: int | None  # the next page's fromTick; null once an ended run has no frames past this page
    frames: list[ReplayFrame]


def replay_busy(wait_s: float) -> ApiError:
    return ApiError(
        503, "REPLAY_BUSY", f"every read of the log is taken and none freed within {wait_s:g} s",
        headers={"Retry-After": "1"},
    )  # fmt: skip


class RunFrames:
    """Reads runs' published frames from the log, a few reads at a time."""

    def __init__(self, bootstrap: str, partitions: int, index: TickIndex, reads: int, wait_s: float) -> None:
        self._bootstrap = bootstrap
        self._partitions = partitions
        self._index = index
        self._turns = asyncio.Semaphore(reads)
        self._wait_s = wait_s

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """One of the reads at once; REPLAY_BUSY if none is free within the wait."""
        try:
            async with asyncio.timeout(self._wait_s):
                await self._turns.acquire()
        except TimeoutError:
            raise replay_busy(self._wait_s) from None
        try:
            yield
        finally:
            self._turns.release()

    @asynccontextmanager
    async def _log(self) -> AsyncIterator[RunLog]:
        async with self.turn(), LogReader(self._bootstrap) as reader:
            yield RunLog(reader, self._partitions)

    async def frames(self, result: RunResult) -> list[dict]:
        """The run's published SessionFrame datums, one per tick, in tick order."""
        async with self._log() as log:
            logged = (await log.frames([result])).get(result["sessionId"], [])
        by_tick: dict[int, dict[str, Any]] = {}
        for each in logged:
            by_tick.setdefault(each.value["seq"], each.value)
        return [by_tick[tick] for tick in sorted(by_tick)]

    async def page(self, view: SessionView, from_tick: int, limit: int) -> list[dict]:
        """Up to ``limit`` of the run's SessionFrame datums from ``from_tick`` on, in tick order."""
        started = view.startedAtMs
        if started is None:
            return []  # not started: no frames yet
        session_id = view.sessionId
        partition = session_partition(session_id, self._partitions)
        result = view.result
        final = None if result is None else RunEnd(result["ticks"], result["endedAtMs"])
        async with self._log() as log:
            first = self._index.seek(session_id, from_tick)
            if first is None:
                first = await log.first_frame_offset(partition, started, from_tick)
            return await log.session_frames(session_id, partition, first, from_tick, limit, final)


def frames_json(frames: Sequence[dict]) -> bytes:
    """SessionFrame datums as a JSON array of the API's frames (the state's text put in as it is)."""
    return (
        b"[" + ",".join(FRAME_TEMPLATE % (f["seq"], f["frameJson"], f["lastInputSeq"]) for f in frames).encode() + b"]"
    )


def _run_view(bus: Bus, slug: str, session_id: str) -> SessionView:
    view = bus.sessions.get(session_id)
    if view is None or view.game != slug:
        raise session_not_found(session_id)
    return view


@router.get(
    "/{session_id}/replay",
    response_model=ReplayPublic,
    responses=documented(
        _404="GAME_NOT_FOUND or SESSION_NOT_FOUND",
        _409="RUN_NOT_ENDED: the run is still waiting or live (watch it live, or page its frames)",
        _503=BUSY,
    ),
)
async def replay(slug: str, session_id: str, engine: Engine, bus: Bus, request: Request) -> Response:
    """An ended run's result and every frame published for it, in tick order."""
    view = _run_view(bus, slug, session_id)
    if view.status != "ended":
        raise run_not_ended("the run has not ended yet; watch it live")
    result = view.result
    frames = await request.app.state.run_frames.frames(result)
    body = b"".join(
        (
            b'{"sessionId":', orjson.dumps(session_id), b',"game":', orjson.dumps(slug),
            b',"result":', orjson.dumps(result), b',"frames":', frames_json(frames), b"}",
        )
    )  # fmt: skip
    return Response(body, media_type="application/json")


@router.get(
    "/{session_id}/frames",
    response_model=FramesPage,
    responses=documented(
        _401="UNAUTHENTICATED (a running run and no spectate token), TOKEN_EXPIRED or TOKEN_INVALID",
        _403="NOT_SPECTATABLE (a practice run) or FORBIDDEN (a token for another run or role)",
        _404="GAME_NOT_FOUND or SESSION_NOT_FOUND",
        _422="INVALID_REQUEST: fromTick below 0, or limit outside 1..MOLT_EDGE_FRAMES_PAGE_MAX",
        _503=BUSY,
    ),
)
async def frames_page(
    slug: str,
    session_id: str,
    engine: Engine,
    bus: Bus,
    fanout: Frames,
    settings: Settings,
    tokens: Tokens,
    request: Request,
    fromTick: Annotated[int, Query(ge=0)] = 0,  # the contract's name
    limit: Annotated[int, Query(ge=1)] = PAGE_DEFAULT,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """A page of a run's frames from ``fromTick`` on, in tick order, while it is live too.

    A running run's frames need its spectate token (``Authorization: Bearer <token>``, the
    token of the viewer's seat): rewinding keeps the seat, and takes no other. An ended
    run's are public.
    """
    view = _run_view(bus, slug, session_id)
    if view.mode == "practice":
        raise ApiError(403, "NOT_SPECTATABLE", "practice runs are private")
    if limit > settings.frames_page_max:
        raise ApiError(422, "INVALID_REQUEST", f"limit is at most {settings.frames_page_max}")
    if view.status != "ended":
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("a spectate token of this run is required while it runs")
        try:
            tokens.verify(token.strip(), role="spectate", game=slug, session_id=session_id)
        except TokenError as exc:
            raise ApiError(403 if exc.code == "FORBIDDEN" else 401, exc.code, exc.message) from None
    frames = await request.app.state.run_frames.page(view, fromTick, limit)
    result = view.result
    if result is not None:
        live_tick = result["ticks"]
        done = not frames or frames[-1]["seq"] == live_tick  # an ended run's log holds no more
    else:
        latest = fanout.latest.get(session_id)
        live_tick, done = (view.tick if latest is None else max(view.tick, latest.tick)), False
    next_tick = None if done else frames[-1]["seq"] + 1 if frames else fromTick
    page = {"sessionId": session_id, "game": slug, "status": view.status, "fromTick": fromTick,
            "liveTick": live_tick, "nextTick": next_tick}  # fmt: skip
    body = orjson.dumps(page)[:-1] + b',"frames":' + frames_json(frames) + b"}"
    return Response(body, media_type="application/json")
