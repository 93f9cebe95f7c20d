"""Tokens for sockets: spectate (authenticated and public flows) and play; the snapshot trigger.

Capacity and the per-client bounds are decided by the worker that owns the session
(``app.seats``), never here: the edge's own view of counts only shapes the answer's
numbers. A viewer who holds a seat already gets a fresh token for the same seat.
"""

from __future__ import annotations

import math
import re
import secrets
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.deps import Bus, Engine, Principal, Quota, Settings, Tokens, Wallet
from app.errors import ApiError, run_not_ended, session_not_found, too_many, unavailable
from app.seats import SeatTimeout
from app.tokens import IssuedToken
from schemas.records import SnapshotTriggered
from schemas.views import SessionView

router = APIRouter(prefix="/api/games/{slug}/sessions/{session_id}", tags=["access"])

ANONYMOUS_VIEWER = re.compile(r"^anon_[A-Za-z0-9]{8,64}$")


class PublicSpectateRequest(BaseModel):
    viewerId: str | None = Field(default=None, max_length=69)


def spectators_full(current: int, maximum: int) -> ApiError:
    return ApiError(
        409,
        "SPECTATORS_FULL",
        f"{current}/{maximum} spectators limit reached for this livestream",
        spectatorsCurrent=current,
        spectatorsMax=maximum,
    )


def seats_per_client(settings: Settings) -> ApiError:
    # An unclaimed seat of this address lapses within the claim window.
    return too_many(
        "SEATS_PER_CLIENT",
        f"this address holds its {settings.seats_per_client_session} seats in this session "
        f"or {settings.seats_per_client_total} across sessions; retry once one is free",
        math.ceil(settings.seat_claim_s),
    )


def _view(bus: Bus, slug: str, session_id: str) -> SessionView:
    view = bus.sessions.get(session_id)
    if view is None or view.game != slug:
        raise session_not_found(session_id)
    return view


def _ws_url(request: Request, slug: str, role: str, session_id: str) -> str:
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{request.url.netloc}/ws/{slug}/{role}?sessionId={session_id}"


def _token_body(issued: IssuedToken, ws_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "token": issued.token,
        "expiresAt": issued.expires_at,
        "expiresIn": issued.expires_in,
        "wsUrl": ws_url,
        **extra,
    }


async def _spectate(
    request: Request,
    slug: str,
    session_id: str,
    viewer_id: str,
    engine: Engine,
    bus: Bus,
    tokens: Tokens,
    settings: Settings,
) -> dict[str, Any]:
    view = _view(bus, slug, session_id)
    if view.mode != "api":
        raise ApiError(403, "NOT_SPECTATABLE", "practice sessions cannot be watched")
    if view.status == "ended":
        raise ApiError(409, "SESSION_ENDED", "the run has ended; watch its replay instead")
    seats = request.app.state.seats
    try:
        decision = await seats.request(
            bus.send_command,
            session_id,
            engine.engine_version,
            seats.asker(request, viewer_id, session_id),
            settings.seat_wait_s,
        )
    except SeatTimeout as exc:
        raise ApiError(503, "RUNTIME_UNAVAILABLE", str(exc)) from None
    if not decision.granted:
        match decision.code:
            case "SPECTATORS_FULL":
                raise spectators_full(decision.spectatorsCurrent, decision.spectatorsMax)
            case "SEATS_PER_CLIENT":
                raise seats_per_client(settings)
            case "SESSION_ENDED":
                raise ApiError(409, "SESSION_ENDED", "the run has ended; watch its replay instead")
            case "NOT_SPECTATABLE":
                raise ApiError(403, "NOT_SPECTATABLE", "practice sessions cannot be watched")
            case _:
                raise session_not_found(session_id)
    issued = tokens.issue(role="spectate", game=slug, session_id=session_id, subject=viewer_id, seat=decision.leaseId)
    return _token_body(
        issued,
        _ws_url(request, slug, "spectate", session_id),
        viewerId=viewer_id,
        spectatorsCurrent=decision.spectatorsCurrent,
        spectatorsMax=decision.spectatorsMax,
    )


SPECTATE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "GAME_NOT_FOUND or SESSION_NOT_FOUND"},
    403: {"description": "NOT_SPECTATABLE: a practice session"},
    409: {"description": "SPECTATORS_FULL (with spectatorsCurrent, spectatorsMax) or SESSION_ENDED"},
    429: {
        "description": "SEATS_PER_CLIENT, with Retry-After: the client address holds its seats in this session "
        "(MOLT_EDGE_SEATS_PER_CLIENT_SESSION) or across sessions (MOLT_EDGE_SEATS_PER_CLIENT_TOTAL)"
    },
    **unavailable("RUNTIME_UNAVAILABLE: no worker answered the seat request in time"),
}


@router.post("/spectate-token", responses={401: {"description": "UNAUTHENTICATED"}, **SPECTATE_ERRORS})
async def spectate_token(
    request: Request,
    slug: str,
    session_id: str,
    wallet: Wallet,
    engine: Engine,
    bus: Bus,
    tokens: Tokens,
    settings: Settings,
) -> dict[str, Any]:
    """A spectate token for a wallet-authenticated viewer (the viewer is the wallet)."""
    return await _spectate(request, slug, session_id, wallet, engine, bus, tokens, settings)


@router.post(
    "/spectate-token-public",
    responses={
        **SPECTATE_ERRORS,
        429: {"description": f"RATE_LIMITED or {SPECTATE_ERRORS[429]['description']}"},
    },
)
async def spectate_token_public(
    request: Request,
    slug: str,
    session_id: str,
    engine: Engine,
    bus: Bus,
    tokens: Tokens,
    settings: Settings,
    quotas: Quota,
    body: PublicSpectateRequest | None = None,
) -> Any:
    """A spectate token without a wallet: the viewer is an anonymous id, issued if not given."""
    quotas.spend_by_client(quotas.public_tokens, request, "spectate-token requests")
    viewer_id = body.viewerId if body and body.viewerId else None
    if viewer_id is not None and not ANONYMOUS_VIEWER.match(viewer_id):
        raise ApiError(422, "INVALID_REQUEST", "viewerId must look like anon_<8 to 64 letters or digits>")
    viewer_id = viewer_id or "anon_" + secrets.token_hex(12)
    return await _spectate(request, slug, session_id, viewer_id, engine, bus, tokens, settings)


@router.post(
    "/play-token",
    responses={
        401: {"description": "UNAUTHENTICATED"},
        403: {"description": "NOT_SESSION_OWNER"},
        404: {"description": "GAME_NOT_FOUND or SESSION_NOT_FOUND"},
        409: {"description": "SESSION_ENDED"},
    },
)
async def play_token(
    request: Request, slug: str, session_id: str, principal: Principal, engine: Engine, bus: Bus, tokens: Tokens
) -> dict[str, Any]:
    """A play token for the session's owner."""
    view = _view(bus, slug, session_id)
    if view.playerId != principal.agent_id:
        raise ApiError(403, "NOT_SESSION_OWNER", "only the session's owner may play it")
    if view.status == "ended":
        raise ApiError(409, "SESSION_ENDED", "the run has ended")
    issued = tokens.issue(role="play", game=slug, session_id=session_id, subject=principal.agent_id, seat=None)
    return _token_body(issued, _ws_url(request, slug, "play", session_id))


@router.post(
    "/snapshot",
    status_code=202,
    responses={
        401: {"description": "UNAUTHENTICATED"},
        403: {"description": "NOT_SESSION_OWNER"},
        404: {"description": "GAME_NOT_FOUND or SESSION_NOT_FOUND"},
        409: {"description": "RUN_NOT_ENDED"},
        429: {"description": "RATE_LIMITED, with Retry-After: too many snapshot triggers for this run"},
        **unavailable(),
    },
)
async def snapshot(
    slug: str, session_id: str, principal: Principal, engine: Engine, bus: Bus, quotas: Quota
) -> dict[str, bool]:
    """The snapshot trigger, after the run ended; repeating it changes nothing."""
    view = _view(bus, slug, session_id)
    if view.playerId != principal.agent_id:
        raise ApiError(403, "NOT_SESSION_OWNER", "only the session's owner may trigger its snapshot")
    if view.status != "ended":
        raise run_not_ended("the snapshot is taken once the run has ended")
    quotas.spend(quotas.snapshots, session_id, "snapshot triggers for this run")
    await bus.send_command(session_id, engine.engine_version, SnapshotTriggered("http_" + secrets.token_hex(8), "http"))
    return {"accepted": True}
