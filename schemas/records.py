"""Typed records of session.commands, and their mapping to and from Avro datums.

Command bodies are frozen dataclasses named in the past tense, one per Avro record
type, so the worker's fold can ``match`` on them. ``SessionCommand`` is the envelope
every record on the topic carries: the session, the engine version, and the
producer's identity and per-session sequence that make a redelivery detectable.

Records the worker writes (frames, results, views) are built in Avro shape directly
(plain dicts) because they are produced on the hot path and never matched on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, get_args

from schemas.codec import NAMESPACE, Codec

Mode = Literal["api", "practice"]
Flow = Literal["authenticated", "public"]


@dataclass(frozen=True, slots=True)
class SessionOpened:
    game: str
    mode: Mode
    seed: int
    playerId: str
    playerName: str
    spectatorsMax: int
    graceMs: int = 10_000
    waitingExpiryMs: int = 60_000
    seatClaimMs: int = 60_000
    seatLeaseMs: int = 30_000
    # Seats one client address may hold here, and across sessions (0: no bound, as for
    # sessions opened before there was one).
    seatsPerClient: int = 0
    seatsPerClientTotal: int = 0


@dataclass(frozen=True, slots=True)
class PlayerConnected:
    connectionId: str


@dataclass(frozen=True, slots=True)
class PlayerDisconnected:
    connectionId: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class InputReceived:
    inputSeq: int
    action: str
    connectionId: str


@dataclass(frozen=True, slots=True)
class Tick:
    partition: int
    tickNo: int
    scheduledAtUs: int


@dataclass(frozen=True, slots=True)
class SeatRequested:
    requestId: str
    viewerId: str
    flow: Flow
    clientKey: str = ""  # the client's address (IPv6: its /64); empty: not bounded per client
    seatsElsewhere: int = 0  # seats that address holds in other sessions, as the edge counts them


@dataclass(frozen=True, slots=True)
class SeatOccupied:
    leaseId: str
    connectionId: str
    # With a request id the owner answers with a SeatDecision: accepted, re-seated (the
    # lease is gone: the viewer gets a seat again if there is room) or refused.
    requestId: str = ""
    viewerId: str = ""
    flow: Flow = "public"
    clientKey: str = ""
    seatsElsewhere: int = 0


@dataclass(frozen=True, slots=True)
class SeatRenewed:
    leaseId: str


@dataclass(frozen=True, slots=True)
class SeatReleased:
    leaseId: str
    reason: str = ""
    connectionId: str = ""  # the socket that closed: a seat another socket holds now stays


@dataclass(frozen=True, slots=True)
class SnapshotTriggered:
    requestId: str
    source: str


@dataclass(frozen=True, slots=True)
class SessionAbandoned:
    reason: str


CommandBody = (
    SessionOpened
    | PlayerConnected
    | PlayerDisconnected
    | InputReceived
    | Tick
    | SeatRequested
    | SeatOccupied
    | SeatRenewed
    | SeatReleased
    | SnapshotTriggered
    | SessionAbandoned
)

BODY_TYPES: dict[str, type] = {f"{NAMESPACE}.{cls.__name__}": cls for cls in get_args(CommandBody)}
# Per body type: its Avro record name and field names. Bodies hold only scalars, so a
# flat read of the fields is their datum (``dataclasses.asdict`` copies recursively and
# was half the cost of encoding an input).
_BODY_SHAPES: dict[type, tuple[str, tuple[str, ...]]] = {
    cls: (name, tuple(field.name for field in dataclasses.fields(cls))) for name, cls in BODY_TYPES.items()
}


@dataclass(frozen=True, slots=True)
class SessionCommand:
    """One record of session.commands."""

    sessionId: str
    engineVersion: int
    producerId: str
    seq: int
    atMs: int
    body: CommandBody


def command_to_datum(command: SessionCommand) -> dict[str, Any]:
    body = command.body
    return {
        "sessionId": command.sessionId,
        "engineVersion": command.engineVersion,
        "producerId": command.producerId,
        "seq": command.seq,
        "atMs": command.atMs,
        "body": _body_datum(body),
    }


def _body_datum(body: CommandBody) -> tuple[str, dict[str, Any]]:
    name, fields = _BODY_SHAPES[type(body)]
    return name, {field: getattr(body, field) for field in fields}


def command_from_datum(datum: dict[str, Any]) -> SessionCommand:
    name, fields = datum["body"]
    return SessionCommand(
        sessionId=datum["sessionId"],
        engineVersion=datum["engineVersion"],
        producerId=datum["producerId"],
        seq=datum["seq"],
        atMs=datum["atMs"],
        body=BODY_TYPES[name](**fields),
    )


def encode_command(codec: Codec, command: SessionCommand) -> bytes:
    return codec.encode("SessionCommand", command_to_datum(command))


def decode_command(codec: Codec, data: bytes) -> SessionCommand:
    return command_from_datum(codec.decode("SessionCommand", data))
