"""The WebSocket protocol's closed sets of messages, one per direction.

``parse`` turns a client's text into one of ``Auth``, ``Input``, ``Snapshot`` or an
``Unexpected`` value saying what is wrong with it; it never raises. Server messages
are built by the small functions below, so every field name lives in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_MESSAGE_BYTES = 4096

# Close codes (DESIGN.md §4).
CLOSE_AUTH = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_FULL = 4409
CLOSE_ENDED = 4410
CLOSE_REPLACED = 4000
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_NORMAL = 1000


@dataclass(frozen=True, slots=True)
class Auth:
    token: str


@dataclass(frozen=True, slots=True)
class Input:
    seq: int
    action: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    pass


@dataclass(frozen=True, slots=True)
class Unexpected:
    reason: str


ClientMessage = Auth | Input | Snapshot | Unexpected


def parse(text: str) -> ClientMessage:
    if len(text.encode()) > MAX_MESSAGE_BYTES:
        return Unexpected(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        data = json.loads(text)
    except ValueError:
        return Unexpected("not JSON")
    if not isinstance(data, dict):
        return Unexpected("not a JSON object")
    match data.get("t"):
        case "auth":
            token = data.get("token")
            return Auth(token) if isinstance(token, str) and token else Unexpected("auth needs a token")
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


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def error(code: str, message: str, **extra: Any) -> str:
    return _text({"t": "error", "code": code, "message": message, **extra})


def welcome(**fields: Any) -> str:
    return _text({"t": "welcome", **fields})


def welcome_state(state_json: str | None) -> Any:
    return None if state_json is None else json.loads(state_json)
