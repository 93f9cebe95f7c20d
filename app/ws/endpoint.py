"""The play and spectate WebSockets: authenticate, attach to the session, relay.

Both sockets share one shape: the first message must be ``auth`` within the auth
timeout, the token must be for this game, session and role, then the socket gets a
``welcome`` with the current state and, from then on, every frame, spectator count
change and the ``end`` of the run. A spectator is welcomed only once the session's
owner has seated it (``app.seats``): on its token's seat, or, that seat gone, on a
fresh one if there is room. A player's inputs become ``InputReceived``
records; a spectator's become errors. Bad messages are answered with an error and,
repeated, end the socket; they never end the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from app.kafkawait import KafkaUnavailable
from app.ratelimit import RateLimiter
from app.seats import SeatTimeout
from app.tokens import Claims, TokenError
from app.ws import messages as m
from app.ws.fanout import tell_end
from app.ws.outbox import Outbox
from app.ws.wire import WIRE_EXTENSION, FrameWire, text_frame
from schemas.records import (
    InputReceived,
    PlayerConnected,
    PlayerDisconnected,
    SeatReleased,
    SnapshotTriggered,
)
from schemas.views import SessionView
from streams.sim.registry import ENGINES

router = APIRouter()
log = logging.getLogger(__name__)

AUTH_TIMEOUT_S = 5.0
MAX_BAD_MESSAGES = 5
# A bot sends at most one input per tick; bursts of a few are jitter, not abuse.
INPUT_BURST = 30
INPUT_PER_S = 60.0


class Refused(Exception):
    """The socket is refused: ``error`` is sent, then ``close`` (by default the one that follows its code)."""

    def __init__(self, error: m.Error, close: m.Close | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.close = close if close is not None else m.CLOSE_AFTER[error.code]


async def _authenticate(ws: WebSocket, role: str, slug: str, session_id: str) -> Claims:
    try:
        text = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
    except TimeoutError:
        raise Refused(m.Error("AUTH_TIMEOUT", f"send auth within {AUTH_TIMEOUT_S:.0f} s")) from None
    except KeyError:  # a binary frame: starlette has no text to give
        raise Refused(m.Error("BAD_MESSAGE", "binary messages are not supported"), m.Close.UNSUPPORTED) from None
    match m.parse(text):
        case m.Auth(token=token):
            try:
                return ws.app.state.tokens.verify(token, role=role, game=slug, session_id=session_id)
            except TokenError as exc:
                raise Refused(m.Error(exc.code, str(exc))) from None
        case m.Unexpected(reason=reason, auth=False):
            # Unreadable (not JSON, nested too deeply, too large, no known type): no second chance.
            raise Refused(m.Error("BAD_MESSAGE", reason), m.Close.POLICY)
        case _:
            raise Refused(m.Error("TOKEN_INVALID", 'the first message must be {"t":"auth","token":...}'))


def _wire(ws: WebSocket) -> FrameWire | None:
    """The socket's transport for frames, under the edge's own WebSocket protocol (``app.ws.wire``)."""
    return ws.scope.get("extensions", {}).get(WIRE_EXTENSION)


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
        spectator = role == "spectate"
        self.outbox = Outbox(
            close_on_end=spectator,
            wire=_wire(ws),
            # A spectator that stops reading is let go of; a player keeps its socket (and skips frames).
            max_backlog=state.settings.spectator_backlog_bytes if spectator else None,
            on_cut_off=state.metrics.sockets_cut_off.inc,
        )
        self.bad_messages = 0
        self.limiter = RateLimiter(INPUT_BURST, INPUT_PER_S, max_keys=1)
        self.engine_version = ENGINES[slug].engine_version if slug in ENGINES else 0

    def check_joinable(self) -> SessionView:
        view = self.bus.sessions.get(self.session_id)
        if view is None or view.game != self.slug:
            raise Refused(m.Error("FORBIDDEN", "no such session for this game"))
        if view.status == "ended":
            raise Refused(m.Error("SESSION_ENDED", "the run has ended"))
        return view

    def run_ended(self) -> bool:
        view = self.bus.sessions.get(self.session_id)
        return view is not None and view.status == "ended"

    async def send_command(self, body: object) -> None:
        await self.bus.send_command(self.session_id, self.engine_version, body)

    async def connect(self, body: object, release) -> bool:
        """Write the socket's first command; if Kafka does not take it, refuse the socket."""
        try:
            await self.send_command(body)
        except KafkaUnavailable as exc:
            release()
            await _refuse(self.ws, Refused(m.Error("KAFKA_UNAVAILABLE", str(exc)), m.Close.TRY_AGAIN))
            return False
        return True

    async def relay_command(self, body: object) -> bool:
        """Write a command the client asked for; if Kafka does not take it, tell the client."""
        try:
            await self.send_command(body)
        except KafkaUnavailable as exc:
            self.send(m.Error("KAFKA_UNAVAILABLE", str(exc)))
            return False
        return True

    async def leave(self, body: object) -> None:
        """Write the socket's last command; if Kafka does not take it, the grace period or
        the lease's lapse has the same effect, later."""
        try:
            await self.send_command(body)
        except KafkaUnavailable as exc:
            log.warning("%s: %s", self.connection_id, exc)

    def send(self, message: m.ClientOut) -> None:
        self.outbox.push(message.encode())

    async def welcome(self, view: SessionView) -> None:
        """Queue the welcome, then every frame after the one it carries."""
        # A live session ticks 30 times a second: a first frame is at most a tick away.
        wait = 1.0 if view.status == "live" else 0.0
        latest = await self.fanout.wait_latest(self.session_id, wait)
        count = self.bus.spectators.get(self.session_id)
        self.send(
            m.Welcome(
                sessionId=self.session_id,
                role=self.role,
                status=view.status,
                tick=latest.tick if latest else view.tick,
                lastInputSeq=latest.lastInputSeq if latest else 0,
                state=latest.state if latest else None,
                spectatorsCurrent=count.current if count else view.spectatorsCurrent,
                spectatorsMax=count.max if count else view.spectatorsMax,
                connectionId=self.connection_id,
            )
        )
        # No await since the latest frame was read: the next frame cannot slip between.
        if not self.fanout.join(self.session_id, self.outbox):
            # The run ended while this socket was being seated or welcomed: the end went to
            # the watchers before this one joined, so it is told here, or it would wait forever.
            ended = self.bus.sessions.get(self.session_id)
            text = m.End(ended.result if ended is not None else None).encode()
            tell_end(self.outbox, text, text_frame(text.encode()))

    async def pump(self) -> None:
        """Send the outbox until it closes or the socket goes away."""
        while (text := await self.outbox.next()) is not None:
            self.outbox.sending = True
            try:
                await self.ws.send_text(text)
            except RuntimeError:  # the wire cut the socket off (and closed it) under this send
                if self.outbox.cut_off:
                    return
                raise
            finally:
                self.outbox.sending = False

    def complain(self, code: m.ErrorCode, message: str, close: m.Close = m.Close.POLICY) -> m.Close | None:
        """Answer a bad message; returns ``close`` once the socket has had enough, else None."""
        self.bad_messages += 1
        self.send(m.Error(code, message))
        if self.bad_messages >= MAX_BAD_MESSAGES:
            self.send(m.Error(code, "too many bad messages; closing"))
            return close
        return None


async def _refuse(ws: WebSocket, refused: Refused) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(refused.error.encode())
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
                return session.outbox.close_code or m.Close.NORMAL
            event = receive.result()
            if event["type"] == "websocket.disconnect":
                return m.Close.NORMAL
            text = event.get("text")
            if text is None:
                close = session.complain("BAD_MESSAGE", "binary messages are not supported", m.Close.UNSUPPORTED)
                if close is not None:
                    return close
                continue
            close = await on_message(m.parse(text))
            if close is not None:
                return close
    except WebSocketDisconnect:
        return m.Close.NORMAL
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


async def _counted(ws: WebSocket, serve: Callable[[], Awaitable[None]]) -> None:
    """Accept, then serve the socket while it holds one of the edge's and its client's places."""
    await ws.accept()
    state = ws.app.state
    wire = _wire(ws)
    if wire is not None:
        wire.limit_kernel_buffer(state.settings.socket_send_buffer_bytes)
    client = state.quotas.addresses.of(ws)
    if not state.socket_counts.acquire(client):
        await _refuse(ws, Refused(m.Error("TOO_MANY_SOCKETS", "too many sockets open; try again later")))
        return
    try:
        await serve()
    finally:
        state.socket_counts.release(client)


@router.websocket("/ws/{slug}/play")
async def play(ws: WebSocket, slug: str, sessionId: str = "") -> None:
    await _counted(ws, lambda: _play(ws, slug, sessionId))


async def _play(ws: WebSocket, slug: str, sessionId: str) -> None:
    session = SocketSession(ws, slug, sessionId, "play")
    try:
        await _authenticate(ws, "play", slug, sessionId)
        view = session.check_joinable()
    except Refused as refused:
        await _refuse(ws, refused)
        return
    engine = ENGINES[slug]
    release = session.registry.claim(f"play:{sessionId}", lambda: _replace(session))
    if not await session.connect(PlayerConnected(session.connection_id), release):
        return
    last_seq = 0

    async def on_message(message: m.ClientIn | m.Unexpected) -> m.Close | None:
        nonlocal last_seq
        match message:
            case m.Input(seq=seq, action=action):
                if session.run_ended():
                    return session.complain("SESSION_ENDED", "the run has ended; inputs are no longer taken")
                if not session.limiter.allow("inputs", time.monotonic()).allowed:
                    return session.complain("RATE_LIMITED", "too many inputs")
                rejection = engine.validate_action(action)
                if rejection is not None:
                    return session.complain("BAD_MESSAGE", rejection.message)
                if seq <= last_seq:
                    return session.complain("BAD_MESSAGE", f"seq must increase (last {last_seq})")
                last_seq = seq
                await session.relay_command(InputReceived(seq, action, session.connection_id))
            case m.Snapshot():
                quota = session.ws.app.state.quotas.snapshot(sessionId)
                if not quota.allowed:
                    retry = f"too many snapshot triggers for this run; retry in {quota.retry_after_s} s"
                    return session.complain("RATE_LIMITED", retry)
                if await session.relay_command(SnapshotTriggered("ws_" + secrets.token_hex(8), "ws")):
                    session.send(m.SnapshotAccepted())
            case m.Auth():
                return session.complain("BAD_MESSAGE", "already authenticated")
            case m.Unexpected(reason=reason):
                return session.complain("BAD_MESSAGE", reason)
        return None

    async def disconnected() -> None:
        await session.leave(PlayerDisconnected(session.connection_id, "closed"))

    await _serve(session, view, on_message, release, disconnected)


async def _serve(session: SocketSession, view: SessionView, on_message, release, on_seat_freed) -> None:
    """Welcome, relay, and on the way out let go of the seat unless another socket took it."""
    code: int = m.Close.NORMAL
    try:
        if session.outbox.close_code is None:  # else it was replaced before it was welcomed
            await session.welcome(view)
        code = await _run(session, on_message)
    finally:
        session.fanout.leave(session.session_id, session.outbox)
        if release():
            await on_seat_freed()
        await _flush_and_close(session, code)


def _replace(session: SocketSession) -> None:
    replaced = m.Error("REPLACED", "another socket took this seat")
    session.send(replaced)
    session.outbox.close(m.CLOSE_AFTER[replaced.code])


async def _occupy(session: SocketSession, claims: Claims, seat: str) -> str:
    """Ask the owner to seat this socket; returns the lease it holds, else raises ``Refused``."""
    state = session.ws.app.state
    seats, wait_s = state.seats, state.settings.seat_wait_s
    asker = seats.asker(session.ws, claims.subject, session.session_id)
    try:
        decision = await seats.occupy(
            session.bus.send_command,
            session.session_id,
            session.engine_version,
            seat,
            session.connection_id,
            asker,
            wait_s,
        )
    except SeatTimeout as exc:
        raise Refused(m.Error("RUNTIME_UNAVAILABLE", f"{exc}; try again")) from None
    except KafkaUnavailable as exc:
        raise Refused(m.Error("KAFKA_UNAVAILABLE", str(exc)), m.Close.TRY_AGAIN) from None
    current, maximum = decision.spectatorsCurrent, decision.spectatorsMax
    match decision.code:
        case None if decision.leaseId is not None:
            return decision.leaseId
        case "SPECTATORS_FULL":
            message = f"{current}/{maximum} spectators limit reached for this livestream"
            raise Refused(m.Error("SPECTATORS_FULL", message, current, maximum))
        case "SEATS_PER_CLIENT":
            raise Refused(m.Error("SEATS_PER_CLIENT", "this address holds as many seats as it may"))
        case "SESSION_ENDED":
            raise Refused(m.Error("SESSION_ENDED", "the run has ended"))
        case _:
            raise Refused(m.Error("FORBIDDEN", "no such session for this game"))


@router.websocket("/ws/{slug}/spectate")
async def spectate(ws: WebSocket, slug: str, sessionId: str = "") -> None:
    await _counted(ws, lambda: _spectate(ws, slug, sessionId))


async def _spectate(ws: WebSocket, slug: str, sessionId: str) -> None:
    session = SocketSession(ws, slug, sessionId, "spectate")
    registry, connection = session.registry, session.connection_id
    registry.watch(connection, lambda: _replace(session))
    try:
        claims = await _authenticate(ws, "spectate", slug, sessionId)
        view = session.check_joinable()
        if claims.seat is None:
            raise Refused(
                m.Error("SPECTATORS_FULL", "this token holds no seat", view.spectatorsCurrent, view.spectatorsMax)
            )
        lease = await _occupy(session, claims, claims.seat)
    except Refused as refused:
        registry.leave(connection, None)
        await _refuse(ws, refused)
        return
    registry.seat(connection, lease, sessionId, session.engine_version)

    async def on_message(message: m.ClientIn | m.Unexpected) -> m.Close | None:
        if isinstance(message, m.Unexpected):
            reason = message.reason
        else:
            reason = "spectators cannot send inputs" if isinstance(message, m.Input) else "not allowed here"
        return session.complain("BAD_MESSAGE", reason)

    async def released() -> None:
        # The owner keeps the seat if another socket took it meanwhile (it names the socket).
        await session.leave(SeatReleased(lease, "closed", connection))

    await _serve(session, view, on_message, lambda: registry.leave(connection, lease), released)
