"""The play and spectate WebSockets: authenticate, attach to the session, relay.

Both sockets share one shape: the first message must be ``auth`` within the auth
timeout, the token must be for this game, session and role, then the socket gets a
``welcome`` with the current state and, from then on, every frame, spectator count
change and the ``end`` of the run. A player's inputs become ``InputReceived``
records; a spectator's become errors. Bad messages are answered with an error and,
repeated, end the socket; they never end the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from app.fanout import Outbox
from app.ratelimit import RateLimiter
from app.tokens import Claims, TokenError
from app.ws import messages as m
from app.ws.wire import WIRE_EXTENSION
from schemas.records import (
    InputReceived,
    PlayerConnected,
    PlayerDisconnected,
    SeatOccupied,
    SeatReleased,
    SnapshotTriggered,
)
from streams.sim.registry import ENGINES

router = APIRouter()

AUTH_TIMEOUT_S = 5.0
MAX_BAD_MESSAGES = 5
# A bot sends at most one input per tick; bursts of a few are jitter, not abuse.
INPUT_BURST = 30
INPUT_PER_S = 60.0
TOKEN_CLOSE = {"TOKEN_EXPIRED": m.CLOSE_AUTH, "TOKEN_INVALID": m.CLOSE_AUTH, "FORBIDDEN": m.CLOSE_FORBIDDEN}


class Refused(Exception):
    def __init__(self, code: str, close: int, message: str, **extra: object) -> None:
        super().__init__(message)
        self.code, self.close, self.message, self.extra = code, close, message, extra


async def _authenticate(ws: WebSocket, role: str, slug: str, session_id: str) -> Claims:
    try:
        text = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
    except TimeoutError:
        raise Refused("AUTH_TIMEOUT", m.CLOSE_AUTH, f"send auth within {AUTH_TIMEOUT_S:.0f} s") from None
    except KeyError:  # a binary frame: starlette has no text to give
        raise Refused("TOKEN_INVALID", m.CLOSE_AUTH, "the first message must be a JSON auth message") from None
    message = m.parse(text)
    if not isinstance(message, m.Auth):
        raise Refused("TOKEN_INVALID", m.CLOSE_AUTH, 'the first message must be {"t":"auth","token":...}')
    try:
        return ws.app.state.tokens.verify(message.token, role=role, game=slug, session_id=session_id)
    except TokenError as exc:
        raise Refused(exc.code, TOKEN_CLOSE[exc.code], str(exc)) from None


class SocketSession:
    """One authenticated socket attached to one session."""

    def __init__(self, ws: WebSocket, slug: str, session_id: str, role: str) -> None:
        self.ws = ws
        self.slug = slug
        self.session_id = session_id
        self.role = role
        state = ws.app.state
        self.bus = state.bus
        self.fanout = state.fanout
        self.registry = state.sockets
        self.connection_id = "con_" + secrets.token_hex(8)
        self.outbox = Outbox(close_on_end=role == "spectate", wire=ws.scope.get("extensions", {}).get(WIRE_EXTENSION))
        self.bad_messages = 0
        self.limiter = RateLimiter(INPUT_BURST, INPUT_PER_S, max_keys=1)
        self.engine_version = ENGINES[slug].engine_version if slug in ENGINES else 0

    def view(self) -> dict | None:
        return self.bus.sessions.get(self.session_id)

    def check_joinable(self) -> dict:
        view = self.view()
        if view is None or view["game"] != self.slug:
            raise Refused("FORBIDDEN", m.CLOSE_FORBIDDEN, "no such session for this game")
        if view["status"] == "ended":
            raise Refused("SESSION_ENDED", m.CLOSE_ENDED, "the run has ended")
        return view

    async def send_command(self, body: object) -> None:
        await self.bus.send_command(self.session_id, self.engine_version, body)

    async def welcome(self, view: dict) -> None:
        """Queue the welcome, then every frame after the one it carries."""
        # A live session ticks 30 times a second: a first frame is at most a tick away.
        wait = 1.0 if view["status"] == "live" else 0.0
        latest = await self.fanout.wait_latest(self.session_id, wait)
        count = self.bus.spectators.get(self.session_id) or {}
        self.outbox.push(
            m.welcome(
                sessionId=self.session_id,
                role=self.role,
                status=view["status"],
                tick=latest.tick if latest else view["tick"],
                lastInputSeq=latest.last_input_seq if latest else 0,
                state=m.welcome_state(latest.state_json if latest else None),
                spectatorsCurrent=count.get("current", view["spectatorsCurrent"]),
                spectatorsMax=count.get("max", view["spectatorsMax"]),
                connectionId=self.connection_id,
            )
        )
        # No await since the latest frame was read: the next frame cannot slip between.
        self.fanout.join(self.session_id, self.outbox)

    async def pump(self) -> None:
        """Send the outbox until it closes or the socket goes away."""
        while (text := await self.outbox.next()) is not None:
            self.outbox.sending = True
            try:
                await self.ws.send_text(text)
            finally:
                self.outbox.sending = False

    def complain(self, code: str, message: str, close: int = m.CLOSE_POLICY) -> int | None:
        """Answer a bad message; returns ``close`` once the socket has had enough, else None."""
        self.bad_messages += 1
        self.outbox.push(m.error(code, message))
        if self.bad_messages >= MAX_BAD_MESSAGES:
            self.outbox.push(m.error(code, "too many bad messages; closing"))
            return close
        return None


async def _refuse(ws: WebSocket, refused: Refused) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(m.error(refused.code, refused.message, **refused.extra))
        await ws.close(refused.close)


async def _run(session: SocketSession, on_message) -> int:
    """Relay until the client leaves, the run ends or the socket misbehaves; returns the close code."""
    pump = asyncio.create_task(session.pump())
    try:
        while True:
            receive = asyncio.create_task(session.ws.receive())
            done, _ = await asyncio.wait({receive, pump}, return_when=asyncio.FIRST_COMPLETED)
            if pump in done:
                receive.cancel()
                pump.result()  # a failed send ends the socket
                return session.outbox.close_code or m.CLOSE_NORMAL
            event = receive.result()
            if event["type"] == "websocket.disconnect":
                return m.CLOSE_NORMAL
            text = event.get("text")
            if text is None:
                close = session.complain("BAD_MESSAGE", "binary messages are not supported", m.CLOSE_UNSUPPORTED)
                if close is not None:
                    return close
                continue
            close = await on_message(m.parse(text))
            if close is not None:
                return close
    except WebSocketDisconnect:
        return m.CLOSE_NORMAL
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


async def _flush_and_close(session: SocketSession, code: int) -> None:
    with contextlib.suppress(Exception):
        for text in session.outbox.drain():  # what is queued (the end, errors) goes first
            await session.ws.send_text(text)
        if session.ws.client_state == WebSocketState.CONNECTED:
            await session.ws.close(code)


@router.websocket("/ws/{slug}/play")
async def play(ws: WebSocket, slug: str, sessionId: str = "") -> None:
    await ws.accept()
    session = SocketSession(ws, slug, sessionId, "play")
    try:
        await _authenticate(ws, "play", slug, sessionId)
        view = session.check_joinable()
    except Refused as refused:
        await _refuse(ws, refused)
        return
    engine = ENGINES[slug]
    release = session.registry.claim(f"play:{sessionId}", lambda: _replace(session))
    await session.send_command(PlayerConnected(session.connection_id))
    last_seq = 0

    async def on_message(message: m.ClientMessage) -> int | None:
        nonlocal last_seq
        match message:
            case m.Input(seq=seq, action=action):
                if not session.limiter.allow("inputs", time.monotonic()).allowed:
                    return session.complain("RATE_LIMITED", "too many inputs")
                rejection = engine.validate_action(action)
                if rejection is not None:
                    return session.complain("BAD_MESSAGE", rejection.message)
                if seq <= last_seq:
                    return session.complain("BAD_MESSAGE", f"seq must increase (last {last_seq})")
                last_seq = seq
                await session.send_command(InputReceived(seq, action, session.connection_id))
            case m.Snapshot():
                await session.send_command(SnapshotTriggered("ws_" + secrets.token_hex(8), "ws"))
                session.outbox.push('{"t":"snapshot","accepted":true}')
            case m.Auth():
                return session.complain("BAD_MESSAGE", "already authenticated")
            case m.Unexpected(reason=reason):
                return session.complain("BAD_MESSAGE", reason)
        return None

    async def disconnected() -> None:
        await session.send_command(PlayerDisconnected(session.connection_id, "closed"))

    await _serve(session, view, on_message, release, disconnected)


async def _serve(session: SocketSession, view: dict, on_message, release, on_seat_freed) -> None:
    """Welcome, relay, and on the way out let go of the seat unless another socket took it."""
    code = m.CLOSE_NORMAL
    try:
        await session.welcome(view)
        code = await _run(session, on_message)
    finally:
        session.fanout.leave(session.session_id, session.outbox)
        if release():
            await on_seat_freed()
        await _flush_and_close(session, code)


def _replace(session: SocketSession) -> None:
    session.outbox.push(m.error("REPLACED", "another socket took this seat"))
    session.outbox.close(m.CLOSE_REPLACED)


@router.websocket("/ws/{slug}/spectate")
async def spectate(ws: WebSocket, slug: str, sessionId: str = "") -> None:
    await ws.accept()
    session = SocketSession(ws, slug, sessionId, "spectate")
    try:
        claims = await _authenticate(ws, "spectate", slug, sessionId)
        view = session.check_joinable()
        if claims.seat is None:
            raise Refused(
                "SPECTATORS_FULL",
                m.CLOSE_FULL,
                "this token holds no seat",
                spectatorsCurrent=view["spectatorsCurrent"],
                spectatorsMax=view["spectatorsMax"],
            )
    except Refused as refused:
        await _refuse(ws, refused)
        return
    lease = claims.seat
    release = session.registry.claim(f"seat:{lease}", lambda: _replace(session))
    session.registry.leases[lease] = (sessionId, session.engine_version)
    await session.send_command(SeatOccupied(lease, session.connection_id))

    async def on_message(message: m.ClientMessage) -> int | None:
        if isinstance(message, m.Unexpected):
            reason = message.reason
        else:
            reason = "spectators cannot send inputs" if isinstance(message, m.Input) else "not allowed here"
        return session.complain("BAD_MESSAGE", reason)

    async def released() -> None:
        session.registry.leases.pop(lease, None)
        await session.send_command(SeatReleased(lease, "closed"))

    await _serve(session, view, on_message, release, released)
