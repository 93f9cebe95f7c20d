"""Typed values of the records the edge reads: the views it materialises, the seat decisions
and the sign-in nonce claims.

The worker writes these records as Avro datums; a reader turns each decoded datum into
a frozen value with ``from_datum``, once, where it reads the record, so the code that
uses it reads ``view.status`` and ``decision.granted``. Fields carry the Avro field
names, exactly the record's fields (tests/schemas/test_views.py holds them to the schemas).

A run's result and leaderboard entries stay datums, typed as ``TypedDict``: they are
handed on as JSON and to code that reads datums (the run log, the leaderboard's merge).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Self, TypedDict

from schemas.records import Mode

Status = Literal["waiting", "live", "ended"]


class CommandOffsets(TypedDict):
    partition: int
    first: int
    last: int


class RunResult(TypedDict):
    sessionId: str
    engineVersion: int
    seq: int
    game: str
    mode: Mode
    playerId: str
    playerName: str
    seed: int
    ticks: int
    score: int
    endReason: str
    finalStateHash: str
    commandOffsets: CommandOffsets
    startedAtMs: int | None
    endedAtMs: int


class LeaderboardEntry(TypedDict):
    sessionId: str
    playerId: str
    playerName: str
    score: int
    endedAtMs: int


class Record:
    """A record's value: ``from_datum`` builds it from the decoded datum, whose fields it has."""

    __slots__ = ()

    @classmethod
    def from_datum(cls, datum: dict[str, Any]) -> Self:
        return cls(**datum)


@dataclass(frozen=True, slots=True)
class SessionView(Record):
    sessionId: str
    engineVersion: int
    seq: int
    game: str
    mode: Mode
    status: Status
    playerId: str
    playerName: str
    createdAtMs: int
    startedAtMs: int | None
    tick: int
    score: int
    spectatorsCurrent: int
    spectatorsMax: int
    result: RunResult | None  # set exactly when the status is ended


@dataclass(frozen=True, slots=True)
class SpectatorCount(Record):
    sessionId: str
    engineVersion: int
    seq: int
    current: int
    max: int


@dataclass(frozen=True, slots=True)
class SeatDecision(Record):
    requestId: str
    sessionId: str
    engineVersion: int
    seq: int
    granted: bool
    code: str | None  # why not, when not granted: SPECTATORS_FULL, SESSION_ENDED, ...
    leaseId: str | None
    spectatorsCurrent: int
    spectatorsMax: int
    clientKey: str = ""  # the client address the seat counts for
    replacedConnectionId: str | None = None  # the socket this occupancy replaced
    freed: bool = False  # a notice that seat ``leaseId`` is free again; answers no request


@dataclass(frozen=True, slots=True)
class LeaderboardShard(Record):
    game: str
    partition: int
    entries: list[LeaderboardEntry]


@dataclass(frozen=True, slots=True)
class AgentRegistered(Record):
    agentId: str
    name: str
    apiKeyHash: str
    createdAtMs: int


@dataclass(frozen=True, slots=True)
class NonceClaimed(Record):
    nonce: str
    claimId: str
    expiresAtMs: int
