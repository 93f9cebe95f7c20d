"""An async Python SDK for agents: register, create sessions, play over the WebSocket.

    client = await MoltClient.register("http://127.0.0.1:8000", "my-bot")
    session = await client.create_session("flappy-bots")
    async with client.play("flappy-bots", session["sessionId"]) as game:
        async for message in game:
            if message["t"] == "frame" and should_flap(message["state"]):
                await game.send("flap")
        result = game.result  # set once the run ended

Errors from the HTTP API raise ``MoltApiError`` with the contract's ``code``. A dropped
play socket is reconnected with a fresh play token (within the server's grace period
the run simply goes on); an expired token is re-requested rather than retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

RECONNECT_ATTEMPTS = 5
SNAPSHOT_ANSWER_TIMEOUT_S = 10.0
# How many frames ``InputGate`` waits for one that covers the last input before letting
# the next go anyway: an input the edge refused (a flood) or lost with a dropped socket is
# never covered.
UNCOVERED_INPUT_FRAMES = 6


class InputGate:
    """When a bot may send its next input: once a frame shows the last one took effect.

    A frame that predates an input still shows the danger that input answers; a bot
    asked again on it flaps or swerves twice. So the next input waits until a frame's
    ``lastInputSeq`` covers the last sent, or until ``UNCOVERED_INPUT_FRAMES`` frames
    came without covering it (the edge refused it, or a dropped socket lost it).
    """

    __slots__ = ("covered_seq", "frames_uncovered", "sent_seq")

    def __init__(self) -> None:
        self.sent_seq = 0  # the seq of the last input sent
        self.covered_seq = 0  # the newest frame's lastInputSeq: inputs up to it took effect
        self.frames_uncovered = 0  # frames since the last input was sent, none covering it

    def next_seq(self) -> int:
        """The seq of an input about to be sent."""
        self.sent_seq += 1
        self.frames_uncovered = 0
        return self.sent_seq

    def on_frame(self, last_input_seq: int) -> None:
        self.covered_seq = last_input_seq
        self.frames_uncovered += 1

    def ready(self) -> bool:
        return self.covered_seq >= self.sent_seq or self.frames_uncovered >= UNCOVERED_INPUT_FRAMES


class MoltApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('code')}: {body.get('message')}")
        self.status = status
        self.code = body.get("code")
        self.body = body


class MoltSocketError(Exception):
    """The server refused or ended the socket with an error code (``.code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class MoltClient:
    def __init__(self, base_url: str, api_key: str | None = None, *, timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.agent_id: str | None = None  # known when the client registered the agent
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout_s)

    @classmethod
    async def register(cls, base_url: str, name: str) -> MoltClient:
        """A client for a newly registered agent."""
        async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=30.0) as http:
            body = await _checked(await http.post("/api/agents", json={"name": name}))
        client = cls(base_url, body["apiKey"])
        client.agent_id = body["agentId"]
        return client

    async def __aenter__(self) -> MoltClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def create_session(
        self, game: str, *, mode: str = "api", seed: int | None = None, spectators_max: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": mode}
        if seed is not None:
            body["seed"] = seed
        if spectators_max is not None:
            body["spectatorsMax"] = spectators_max
        return await _checked(await self._http.post(f"/api/games/{game}/sessions", json=body))

    async def session(self, game: str, session_id: str) -> dict[str, Any]:
        return await _checked(await self._http.get(f"/api/games/{game}/sessions/{session_id}"))

    async def live_sessions(self, game: str) -> list[dict[str, Any]]:
        sessions: list[dict[str, Any]] = (await _checked(await self._http.get(f"/api/games/{game}/sessions/live")))[
            "sessions"
        ]
        return sessions

    async def play_token(self, game: str, session_id: str) -> dict[str, Any]:
        return await _checked(await self._http.post(f"/api/games/{game}/sessions/{session_id}/play-token"))

    async def snapshot(self, game: str, session_id: str) -> dict[str, Any]:
        return await _checked(await self._http.post(f"/api/games/{game}/sessions/{session_id}/snapshot"))

    def play(self, game: str, session_id: str) -> PlaySocket:
        return PlaySocket(self, game, session_id)

    async def play_with(
        self, game: str, session_id: str, policy: Callable[[dict[str, Any]], str | None]
    ) -> dict[str, Any]:
        """Play a whole run with ``policy`` (frame state -> action or None); returns the result.

        The policy is asked only when the last input sent has taken effect (see
        ``PlaySocket.ready_for_input``): a frame that predates it would ask again for what
        is already on its way (a second flap, a second lane change).
        """
        async with self.play(game, session_id) as socket:
            async for message in socket:
                if message["t"] == "frame" and socket.ready_for_input():
                    action = policy(message["state"])
                    if action is not None:
                        await socket.send(action)
            try:
                await socket.send_snapshot()
            except (ConnectionClosed, TimeoutError):
                await self.snapshot(game, session_id)  # the same trigger over HTTP
            assert socket.result is not None
            return socket.result


class PlaySocket:
    """The player's socket of one session, reconnecting as needed."""

    def __init__(self, client: MoltClient, game: str, session_id: str) -> None:
        self.client = client
        self.game = game
        self.session_id = session_id
        self.welcome: dict[str, Any] | None = None
        self.result: dict[str, Any] | None = None
        self._ws: ClientConnection | None = None
        self.gate = InputGate()

    async def __aenter__(self) -> PlaySocket:
        await self._connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def _connect(self) -> None:
        token = await self.client.play_token(self.game, self.session_id)
        self._ws = await connect(token["wsUrl"])
        await self._ws.send(orjson.dumps({"t": "auth", "token": token["token"]}), text=True)
        first = _message(await self._ws.recv(decode=False))
        if first["t"] == "error":
            await self._ws.close()
            raise MoltSocketError(first["code"], first.get("message", ""))
        self.welcome = first

    async def send(self, action: str) -> int:
        """Send an input; returns its seq (frames report it back as lastInputSeq)."""
        assert self._ws is not None
        seq = self.gate.next_seq()
        await self._ws.send(orjson.dumps({"t": "input", "seq": seq, "action": action}), text=True)
        return seq

    def ready_for_input(self) -> bool:
        """True when every input sent took effect (a frame covers it), or when none has
        for ``UNCOVERED_INPUT_FRAMES`` frames (the input was refused or lost)."""
        return self.gate.ready()

    async def send_snapshot(self) -> None:
        """The snapshot trigger, once the run ended (rewards need it).

        Returns once the edge answered ``snapshot``, which it does after Kafka took the
        trigger: a socket closed straight after sending could lose it. Raises
        ``ConnectionClosed`` or ``TimeoutError`` when no answer comes.
        """
        assert self._ws is not None
        await self._ws.send('{"t":"snapshot"}')
        async with asyncio.timeout(SNAPSHOT_ANSWER_TIMEOUT_S):
            while _message(await self._ws.recv(decode=False))["t"] != "snapshot":
                pass  # frames or counts still in flight

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        """Server messages until the run ends (the ``end`` message is the last one)."""
        attempts = 0
        while True:
            assert self._ws is not None
            try:
                message = _message(await self._ws.recv(decode=False))
            except ConnectionClosed:
                attempts += 1
                if attempts > RECONNECT_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * attempts)  # back off before asking for a new token
                await self._connect()
                continue
            attempts = 0
            if message["t"] == "frame":
                self.gate.on_frame(message["lastInputSeq"])
            elif message["t"] == "error" and message["code"] in ("REPLACED", "SESSION_ENDED"):
                raise MoltSocketError(message["code"], message.get("message", ""))
            yield message
            if message["t"] == "end":
                self.result = message["result"]
                return


def _message(data: bytes) -> dict[str, Any]:
    # Parsed from the raw bytes: orjson reads UTF-8 itself, several times faster than
    # decoding to str and ``json.loads`` (a bot parses every frame of its run).
    message: dict[str, Any] = orjson.loads(data)
    return message


async def _checked(response: httpx.Response) -> dict[str, Any]:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {"code": "BAD_RESPONSE", "message": response.text[:200]}
    if response.status_code >= 400:
        raise MoltApiError(response.status_code, body)
    return body
