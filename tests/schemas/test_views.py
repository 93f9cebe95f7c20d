"""The typed views have exactly their records' fields, and are read from what the codec decodes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from schemas.codec import NAMESPACE, Codec
from schemas.views import (
    AgentRegistered,
    CommandOffsets,
    LeaderboardEntry,
    LeaderboardShard,
    NonceClaimed,
    RunResult,
    SeatDecision,
    SessionView,
    SpectatorCount,
)

AVRO = Path(__file__).resolve().parents[2] / "schemas" / "avro"
CODEC = Codec()


def avro_fields(name: str) -> list[str]:
    schema = json.loads((AVRO / f"{NAMESPACE}.{name}.avsc").read_text())
    return [field["name"] for field in schema["fields"]]


@pytest.mark.parametrize(
    "record", [SessionView, SpectatorCount, SeatDecision, LeaderboardShard, AgentRegistered, NonceClaimed]
)
def test_a_record_s_value_has_exactly_its_fields(record: type) -> None:
    assert [field.name for field in dataclasses.fields(record)] == avro_fields(record.__name__)


@pytest.mark.parametrize("datum", [RunResult, CommandOffsets, LeaderboardEntry])
def test_a_datum_type_has_exactly_its_record_s_fields(datum: type) -> None:
    assert list(datum.__annotations__) == avro_fields(datum.__name__)


def test_a_view_is_read_from_the_decoded_record_its_result_left_a_datum() -> None:
    result = {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 90,
        "game": "flappy-bots",
        "mode": "api",
        "playerId": "agt_1",
        "playerName": "bot",
        "seed": 7,
        "ticks": 90,
        "score": 2,
        "endReason": "collision",
        "finalStateHash": "ab",
        "commandOffsets": {"partition": 0, "first": 1, "last": 9},
        "startedAtMs": 5,
        "endedAtMs": 3005,
    }
    datum = {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 90,
        "game": "flappy-bots",
        "mode": "api",
        "status": "ended",
        "playerId": "agt_1",
        "playerName": "bot",
        "createdAtMs": 1,
        "startedAtMs": 5,
        "tick": 90,
        "score": 2,
        "spectatorsCurrent": 0,
        "spectatorsMax": 50,
        "result": result,
    }
    view = SessionView.from_datum(CODEC.decode("SessionView", CODEC.encode("SessionView", datum)))
    assert (view.status, view.spectatorsMax, view.result) == ("ended", 50, result)
    assert dataclasses.asdict(view) == datum
