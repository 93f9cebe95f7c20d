"""Every record type round-trips through the one codec; bad bytes fail clearly."""

from __future__ import annotations

import dataclasses
import json

import pytest

from schemas.codec import SCHEMA_DIR, TOPIC_SCHEMAS, Codec, CodecError, SchemaMismatch, load_topic_schema
from schemas.records import BODY_TYPES, SessionCommand, decode_command, encode_command

# One example per command body type: the union must cover every one of them.
BODIES = {
    "SessionOpened": dict(
        game="flappy-bots", mode="api", seed=2**62, playerId="agt_1", playerName="b", spectatorsMax=50
    ),
    "PlayerConnected": dict(connectionId="c1"),
    "PlayerDisconnected": dict(connectionId="c1", reason="closed"),
    "InputReceived": dict(inputSeq=9, action="flap", connectionId="c1"),
    "Tick": dict(partition=3, tickNo=123456, scheduledAtUs=1_700_000_000_000_000),
    "SeatRequested": dict(requestId="r1", viewerId="v1", flow="public"),
    "SeatOccupied": dict(leaseId="l1", connectionId="c2"),
    "SeatRenewed": dict(leaseId="l1"),
    "SeatReleased": dict(leaseId="l1", reason="closed"),
    "SnapshotTriggered": dict(requestId="r2", source="http"),
    "SessionAbandoned": dict(reason="quit"),
}

RESULT = {
    "sessionId": "ses_1",
    "engineVersion": 1,
    "seq": 900,
    "game": "shellrunners",
    "mode": "api",
    "playerId": "agt_1",
    "playerName": "b",
    "seed": 5,
    "ticks": 900,
    "score": 77,
    "endReason": "collision",
    "finalStateHash": "ab" * 16,
    "commandOffsets": {"partition": 2, "first": 10, "last": 2000},
    "startedAtMs": 1_700_000_000_000,
    "endedAtMs": 1_700_000_030_000,
}

DATUMS = {
    "FrameBatch": {
        "partition": 1,
        "tickNo": 5,
        "scheduledAtUs": 7,
        "frames": [
            {
                "sessionId": "ses_1",
                "engineVersion": 1,
                "seq": 5,
                "lastInputSeq": 3,
                "stateHash": "00",
                "frameJson": json.dumps({"tick": 5}),
            }
        ],
    },
    "RunResult": RESULT,
    "RunOutcome": {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 900,
        "game": "shellrunners",
        "playerId": "agt_1",
        "score": 77,
        "reward": 77,
        "rule": "score",
        "finalStateHash": "ab",
        "playerName": "b",
        "endedAtMs": 1_700_000_030_000,
        "triggerRequestId": "ws_1",
    },
    "RewardsEntry": {
        "body": (
            "games.moltstation.live.RewardRun",
            {"sessionId": "ses_1", "result": RESULT, "triggerRequestId": None, "outcomeOffset": None},
        )
    },
    "LeaderboardShard": {
        "game": "shellrunners",
        "partition": 2,
        "entries": [
            {"sessionId": "ses_1", "playerId": "agt_1", "playerName": "b", "score": 77, "endedAtMs": 1_700_000_030_000}
        ],
    },
    "SeatDecision": {
        "requestId": "r1",
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 4,
        "granted": False,
        "code": "SPECTATORS_FULL",
        "leaseId": None,
        "spectatorsCurrent": 50,
        "spectatorsMax": 50,
        "clientKey": "203.0.113.7",
        "replacedConnectionId": "con_old",
        "freed": False,
    },
    "SessionView": {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 3,
        "game": "shellrunners",
        "mode": "api",
        "status": "ended",
        "playerId": "agt_1",
        "playerName": "b",
        "createdAtMs": 1,
        "startedAtMs": 2,
        "tick": 900,
        "score": 77,
        "spectatorsCurrent": 0,
        "spectatorsMax": 50,
        "result": RESULT,
    },
    "SpectatorCount": {"sessionId": "ses_1", "engineVersion": 1, "seq": 3, "current": 2, "max": 50},
    "AgentRegistered": {"agentId": "agt_1", "name": "b", "apiKeyHash": "f" * 64, "createdAtMs": 1},
    "NonceClaimed": {"nonce": "ab12" * 12, "claimId": "c1", "expiresAtMs": 1_750_000_300_000},
    "TableTurn": {"partition": 3, "turn": 17},
    "PartitionCheckpoint": {
        "partition": 2,
        "engineVersion": 0,
        "seq": 99,
        "offset": 1234,
        "activeSessions": ["ses_1", "ses_2"],
    },
    "SessionState": {
        "sessionId": "ses_1",
        "engineVersion": 1,
        "seq": 10,
        "partition": 2,
        "game": "flappy-bots",
        "mode": "api",
        "seed": 3,
        "playerId": "agt_1",
        "playerName": "b",
        "spectatorsMax": 50,
        "graceMs": 10000,
        "waitingExpiryMs": 60000,
        "seatClaimMs": 60000,
        "seatLeaseMs": 30000,
        "createdAtMs": 1,
        "firstOffset": 5,
        "appliedOffset": 40,
        "engineState": b"[1,2,3]",
        "status": "live",
        "startedAtMs": 2,
        "endedAtMs": None,
        "endOffset": None,
        "pending": ["flap"],
        "lastInputSeq": 4,
        "lastReceivedSeq": 5,
        "connectionId": "c1",
        "disconnectedAtMs": None,
        "lastTickNo": 777,
        "producers": {"edge-1:ab": 9},
        "seats": [
            {
                "leaseId": "l1",
                "viewerId": "v1",
                "flow": "public",
                "grantedAtMs": 3,
                "occupied": True,
                "renewedAtMs": 4,
                "clientKey": "2001:db8:1:2::/64",
                "connectionId": "con_1",
            }
        ],
        "snapshotRequested": False,
        "seatsPerClient": 2,
        "seatsPerClientTotal": 20,
    },
}


def test_examples_cover_every_command_body_and_topic_schema() -> None:
    assert {name.rsplit(".", 1)[1] for name in BODY_TYPES} == set(BODIES)
    assert set(DATUMS) | {"SessionCommand"} == set(TOPIC_SCHEMAS)


@pytest.mark.parametrize("body_name", sorted(BODIES))
def test_every_command_round_trips(body_name: str) -> None:
    codec = Codec()
    body_type = next(t for n, t in BODY_TYPES.items() if n.endswith("." + body_name))
    command = SessionCommand("ses_1", 1, "edge-1:ab", 42, 1_700_000_000_000, body_type(**BODIES[body_name]))
    assert decode_command(codec, encode_command(codec, command)) == command


@pytest.mark.parametrize("schema_name", sorted(DATUMS))
def test_every_topic_record_round_trips(schema_name: str) -> None:
    codec = Codec()
    assert codec.decode(schema_name, codec.encode(schema_name, DATUMS[schema_name])) == DATUMS[schema_name]


@pytest.mark.parametrize("body_name", sorted(BODIES))
def test_command_dataclasses_match_their_schemas(body_name: str) -> None:
    schema = json.loads((SCHEMA_DIR / f"games.moltstation.live.{body_name}.avsc").read_text())
    body_type = next(t for n, t in BODY_TYPES.items() if n.endswith("." + body_name))
    assert [f.name for f in dataclasses.fields(body_type)] == [f["name"] for f in schema["fields"]]


def test_every_record_carries_engine_version_and_sequence() -> None:
    for name in (
        "SessionCommand",
        "SessionFrame",
        "RunResult",
        "RunOutcome",
        "SeatDecision",
        "SessionView",
        "SpectatorCount",
        "SessionState",
        "PartitionCheckpoint",
    ):
        fields = {f["name"] for f in load_topic_schema(name)["fields"]}
        assert {"engineVersion", "seq"} <= fields, name


def test_bytes_of_another_schema_are_refused() -> None:
    codec = Codec()
    data = codec.encode("SpectatorCount", DATUMS["SpectatorCount"])
    with pytest.raises(SchemaMismatch, match="expected SessionView"):
        codec.decode("SessionView", data)


@pytest.mark.parametrize("data", [b"", b"{}", b"\xc3\x01" + b"\x00" * 8 + b"x"])
def test_garbage_is_a_codec_error(data: bytes) -> None:
    with pytest.raises(CodecError):
        Codec().decode("SessionView", data)


def test_truncated_record_is_a_codec_error() -> None:
    codec = Codec()
    data = codec.encode("RunResult", RESULT)
    with pytest.raises(CodecError):
        codec.decode("RunResult", data[:-5])


def test_a_datum_missing_a_field_cannot_be_encoded() -> None:
    broken = dict(DATUMS["SpectatorCount"])
    del broken["current"]
    with pytest.raises(CodecError, match="SpectatorCount"):
        Codec().encode("SpectatorCount", broken)
