"""Game sessions: create, list the live ones, show one.

The edge writes ``SessionOpened`` to the session's log and answers once the worker's
view shows the session, so a client can use the session the moment it gets the 201.
A session's view changes with the session (opened, live, seats, ended); its tick and
score change every tick, so they come from the latest frame this edge read when that
is newer than the view.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.deps import Bus, Engine, Frames, Principal, Settings
from app.errors import INVALID, ApiError, documented, session_not_found, too_many, unavailable
from app.timestamps import iso
from app.ws.messages import Frame
from schemas.records import SessionOpened
from schemas.views import SessionView

router = APIRouter(prefix="/api/games/{slug}/sessions", tags=["sessions"])

MAX_SEED = 2**63 - 1
# When to ask again once an agent holds as many open sessions as it may: a waiting
# session expires, a live one ends, within seconds to minutes.
OPEN_SESSIONS_RETRY_S = 5


class SessionCreate(BaseModel):
    mode: Literal["api", "practice"] = "api"
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    spectatorsMax: int | None = Field(default=None, ge=0)


def _iso(ms: int | None) -> str | None:
    return None if ms is None else iso(ms / 1000)


def session_public(view: SessionView, latest: Frame | None) -> dict[str, Any]:
    """The contract's session object, from a session's view and its latest frame."""
    current, maximum = view.spectatorsCurrent, view.spectatorsMax
    tick, score = view.tick, view.score
    if latest is not None and latest.tick > tick:
        tick, score = latest.tick, latest.score()
    body: dict[str, Any] = {
        "sessionId": view.sessionId,
        "game": view.game,
        "mode": view.mode,
        "status": view.status,
        "player": {"id": view.playerId, "name": view.playerName},
        "createdAt": _iso(view.createdAtMs),
        "startedAt": _iso(view.startedAtMs),
        "tick": tick,
        "score": score,
        "spectatorsCurrent": current,
        "spectatorsMax": maximum,
        "joinable": view.status == "live" and view.mode == "api" and current < maximum,
    }
    if view.result is not None:
        body["result"] = view.result
    return body


@router.post(
    "",
    status_code=201,
    responses={
        **documented(
            _401="UNAUTHENTICATED: no valid API key or wallet access session",
            _404="GAME_NOT_FOUND",
            _422=INVALID,
            _429="RATE_LIMITED, with Retry-After: the agent holds as many open sessions as it may",
        ),
        **unavailable("RUNTIME_UNAVAILABLE: recorded, but no worker opened it in time"),
    },
)
async def create_session(
    slug: str, body: SessionCreate, engine: Engine, agent: Principal, bus: Bus, frames: Frames, settings: Settings
) -> dict[str, Any]:
    spectators_max = settings.spectators_max_default if body.spectatorsMax is None else body.spectatorsMax
    if spectators_max > settings.spectators_max_limit:
        raise ApiError(422, "INVALID_REQUEST", f"spectatorsMax must be at most {settings.spectators_max_limit}")
    held = sum(1 for v in bus.sessions.values() if v.playerId == agent.agent_id and v.status != "ended")
    if held >= settings.open_sessions_per_agent:
        limit = settings.open_sessions_per_agent
        raise too_many("RATE_LIMITED", f"{limit} open sessions at most; end one first", OPEN_SESSIONS_RETRY_S)
    session_id = "ses_" + secrets.token_hex(10)
    opened = SessionOpened(
        game=slug,
        mode=body.mode,
        seed=secrets.randbits(63) if body.seed is None else body.seed,
        playerId=agent.agent_id,
        playerName=agent.name,
        spectatorsMax=spectators_max,
        graceMs=int(settings.grace_s * 1000),
        waitingExpiryMs=int(settings.waiting_expiry_s * 1000),
        # A seat counts only for a real watcher: unclaimed, it lapses after the claim
        # window, and a token that finds its seat gone is seated again if there is room.
        seatClaimMs=int(settings.seat_claim_s * 1000),
        seatLeaseMs=int(settings.seat_lease_s * 1000),
        seatsPerClient=settings.seats_per_client_session,
        seatsPerClientTotal=settings.seats_per_client_total,
    )
    await bus.send_command(session_id, engine.engine_version, opened)
    view = await bus.sessions.wait_for(session_id, lambda _: True, settings.view_wait_s)
    if view is None:
        raise ApiError(
            503,
            "RUNTIME_UNAVAILABLE",
            f"session {session_id} was recorded but no worker has opened it yet; retry GET shortly",
            sessionId=session_id,
        )
    return session_public(view, frames.latest.get(session_id))


@router.get("/live", responses=documented(_404="GAME_NOT_FOUND"))
async def live_sessions(slug: str, engine: Engine, bus: Bus, frames: Frames) -> dict[str, Any]:
    views = [v for v in bus.sessions.values() if v.game == slug and v.mode == "api" and v.status == "live"]
    views.sort(key=lambda v: v.createdAtMs)
    return {"sessions": [session_public(v, frames.latest.get(v.sessionId)) for v in views]}


@router.get("/{session_id}", responses=documented(_404="GAME_NOT_FOUND or SESSION_NOT_FOUND"))
async def session_details(slug: str, session_id: str, engine: Engine, bus: Bus, frames: Frames) -> dict[str, Any]:
    view = bus.sessions.get(session_id)
    if view is None or view.game != slug:
        raise session_not_found(session_id)
    return session_public(view, frames.latest.get(session_id))
