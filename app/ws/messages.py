"""The WebSocket protocol (DESIGN.md §4): the closed set of messages each way, and the close codes.

Client to server, ``ClientIn``: ``parse`` turns any text into ``Auth``, ``Input`` or
``Snapshot``, or an ``Unexpected`` saying what is wrong with it; it never raises.
Server to client, ``ClientOut``: one frozen type per message, whose ``encode`` gives its
text. Nothing else in the edge writes a message, and the fan-out encodes a message once
for all the sockets it goes to. Fields carry their wire names; ``t`` is the type field.
docs/asyncapi.yaml documents both sets (tests/docs/test_asyncapi.py holds it to them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Literal

import orjson

from schemas.views import RunResult

MAX_MESSAGE_BYTES = 4096
# What the server's WebSocket protocol reads of one message at most: a larger one closes
# the socket (1009) before it is read whole. Above MAX_MESSAGE_BYTES, so that a message a
# little too large is answered with BAD_MESSAGE, as the contract says.
PROTOCOL_MAX_BYTES = 4 * MAX_MESSAGE_BYTES


class Close(IntEnum):
    NORMAL = 1000
    UNSUPPORTED = 1003  # repeated binary messages
    POLICY = 1008  # repeated bad messages or input flood
    TOO_BIG = 1009  # a message over PROTOCOL_MAX_BYTES, closed by the protocol layer
    # No worker answered the seat's occupancy in time, too many sockets, a slow reader, or
    # Kafka did not take the socket's connect in time.
    TRY_AGAIN = 1013
    REPLACED = 4000  # another socket took the seat
    AUTH = 4401
    FORBIDDEN = 4403
    FULL = 4409
    ENDED = 4410
    SEATS_PER_CLIENT = 4429  # the client address holds as many seats as it may


ErrorCode = Literal[
    "TOKEN_EXPIRED",
    "TOKEN_INVALID",
    "AUTH_TIMEOUT",
    "FORBIDDEN",
    "SPECTATORS_FULL",
    "SEATS_PER_CLIENT",
    "SESSION_ENDED",
    "REPLACED",
    "RUNTIME_UNAVAILABLE",
    "BAD_MESSAGE",
    "RATE_LIMITED",
    "TOO_MANY_SOCKETS",
    "SLOW_CONSUMER",
    "KAFKA_UNAVAILABLE",
]
# The errors after which the socket is closed at once, and with what.
CLOSE_AFTER: dict[ErrorCode, Close] = {
    "TOKEN_EXPIRED": Close.AUTH,
    "TOKEN_INVALID": Close.AUTH,
    "AUTH_TIMEOUT": Close.AUTH,
    "FORBIDDEN": Close.FORBIDDEN,
    "SPECTATORS_FULL": Close.FULL,
    "SEATS_PER_CLIENT": Close.SEATS_PER_CLIENT,
    "SESSION_ENDED": Close.ENDED,
    "REPLACED": Close.REPLACED,
    "RUNTIME_UNAVAILABLE": Close.TRY_AGAIN,
    "TOO_MANY_SOCKETS": Close.TRY_AGAIN,
    "SLOW_CONSUMER": Close.TRY_AGAIN,
}


# Client to server.


@dataclass(frozen=True, slots=True)
class Auth:
    t: ClassVar[str] = "auth"
    token: str


@dataclass(frozen=True, slots=True)
class Input:
    t: ClassVar[str] = "input"
    seq: int
    action: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    t: ClassVar[str] = "snapshot"


@dataclass(frozen=True, slots=True)
class Unexpected:
    reason: str
    # An ``auth`` message without a usable token: before authentication, TOKEN_INVALID;
    # anything else unreadable is BAD_MESSAGE.
    auth: bool = False


ClientIn = Auth | Input | Snapshot


def parse(text: str) -> ClientIn | Unexpected:
    if len(text.encode()) > MAX_MESSAGE_BYTES:
        return Unexpected(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        data = json.loads(text)
    except ValueError:
        return Unexpected("not JSON")
    except RecursionError:  # the decoder recurses per level: 4 KiB of "[" is too deep for it
        return Unexpected("JSON nested too deeply")
    if not isinstance(data, dict):
        return Unexpected("not a JSON object")
    match data.get("t"):
        case "auth":
            token = data.get("token")
            return Auth(token) if isinstance(token, str) and token else Unexpected("auth needs a token", auth=True)
        case "input":
            seq, action = data.get("seq"), data.get("action")
            if type(seq) is not int or seq < 1 or seq > 2**62:
                return Unexpected("input needs a positive integer seq")
            if not isinstance(action, str) or not action or len(action) > 32:
                return Unexpected("input needs an action")
            return Input(seq, action)
        case "snapshot":
            return Snapshot()
        case None:
            return Unexpected('missing message type "t"')
        case other:
            return Unexpected(f"unknown message type {str(other)[:32]!r}")


# Server to client.

# The hot path: a frame's state is the engine's JSON as the worker wrote it, spliced in.
FRAME_TEMPLATE = '{"t":"frame","tick":%d,"lastInputSeq":%d,"state":%s}'


def _body(message: ClientOut) -> dict[str, Any]:
    """A message as a JSON object: its type ``t``, then its fields in order, by their wire names."""
    return {"t": message.t} | {field.name: getattr(message, field.name) for field in fields(message)}


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Welcome:
    t: ClassVar[str] = "welcome"
    sessionId: str
    role: str
    status: str
    tick: int
    lastInputSeq: int
    state: str | None  # the engine's state as JSON text; None before the first frame
    spectatorsCurrent: int
    spectatorsMax: int
    connectionId: str

    def encode(self) -> str:
        body = _body(self)
        body["state"] = None if self.state is None else json.loads(self.state)
        return _json(body)


@dataclass(frozen=True, slots=True)
class Frame:
    """One tick of a session; the fan-out keeps each session's latest."""

    t: ClassVar[str] = "frame"
    tick: int
    lastInputSeq: int
    state: str  # the engine's state as JSON text

    def encode(self) -> str:
        return FRAME_TEMPLATE % (self.tick, self.lastInputSeq, self.state)

    def score(self) -> int:
        """The run's score in this frame (parsed on demand: most frames are never asked)."""
        return orjson.loads(self.state)["score"]


@dataclass(frozen=True, slots=True)
class Spectators:
    t: ClassVar[str] = "spectators"
    current: int
    max: int

    def encode(self) -> str:
        # json.dumps' default separators (with spaces): the bytes this message has always had.
        return json.dumps(_body(self))


@dataclass(frozen=True, slots=True)
class End:
    t: ClassVar[str] = "end"
    result: RunResult | None

    def encode(self) -> str:
        return _json(_body(self))


@dataclass(frozen=True, slots=True)
class Error:
    t: ClassVar[str] = "error"
    code: ErrorCode
    message: str
    # With SPECTATORS_FULL only.
    spectatorsCurrent: int | None = None
    spectatorsMax: int | None = None

    def encode(self) -> str:
        return _json({name: value for name, value in _body(self).items() if value is not None})


@dataclass(frozen=True, slots=True)
class SnapshotAccepted:
    """The answer to ``Snapshot``: the trigger is on the log."""

    t: ClassVar[str] = "snapshot"
    accepted: Literal[True] = True

    def encode(self) -> str:
        return _json(_body(self))


ClientOut = Welcome | Frame | Spectators | End | Error | SnapshotAccepted
