"""The WebSocket protocol's closed sets: any client text parses to a message or ``Unexpected``,
and every server message keeps the bytes clients have always read."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from app.ws import messages as m

RESULT = {"sessionId": "ses_1", "score": 3, "startedAtMs": None}

# The wire as it was before the messages were gathered here: clients parse these bytes.
WIRE = [
    (
        m.Welcome("ses_1", "spectate", "live", 7, 3, '{"game":"flappy-bots","name":"é"}', 1, 50, "con_a"),
        '{"t":"welcome","sessionId":"ses_1","role":"spectate","status":"live","tick":7,"lastInputSeq":3,'
        '"state":{"game":"flappy-bots","name":"\\u00e9"},"spectatorsCurrent":1,"spectatorsMax":50,"connectionId":"con_a"}',
    ),
    (
        m.Welcome("ses_1", "play", "waiting", 0, 0, None, 0, 5, "con_b"),
        '{"t":"welcome","sessionId":"ses_1","role":"play","status":"waiting","tick":0,"lastInputSeq":0,'
        '"state":null,"spectatorsCurrent":0,"spectatorsMax":5,"connectionId":"con_b"}',
    ),
    (m.Frame(7, 3, '{"score":2}'), '{"t":"frame","tick":7,"lastInputSeq":3,"state":{"score":2}}'),
    (m.Spectators(2, 50), '{"t": "spectators", "current": 2, "max": 50}'),
    (m.End(RESULT), '{"t":"end","result":{"sessionId":"ses_1","score":3,"startedAtMs":null}}'),
    (m.Error("BAD_MESSAGE", "not JSON"), '{"t":"error","code":"BAD_MESSAGE","message":"not JSON"}'),
    (
        m.Error("SPECTATORS_FULL", "full", 1, 2),
        '{"t":"error","code":"SPECTATORS_FULL","message":"full","spectatorsCurrent":1,"spectatorsMax":2}',
    ),
    (m.SnapshotAccepted(), '{"t":"snapshot","accepted":true}'),
]


@pytest.mark.parametrize(("message", "text"), WIRE, ids=lambda each: type(each).__name__)
def test_every_server_message_keeps_its_wire_bytes(message: m.ClientOut, text: str) -> None:
    assert message.encode() == text
    assert json.loads(text)["t"] == message.t


def test_a_frame_knows_its_score() -> None:
    assert m.Frame(1, 0, '{"game":"shellrunners","score":41}').score() == 41


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ('{"t":"auth","token":"abc"}', m.Auth("abc")),
        ('{"t":"input","seq":3,"action":"flap"}', m.Input(3, "flap")),
        ('{"t":"snapshot"}', m.Snapshot()),
    ],
)
def test_each_client_message_parses_to_its_type(text: str, parsed: m.ClientIn) -> None:
    assert m.parse(text) == parsed
    assert json.loads(text)["t"] == parsed.t


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ("{}", 'missing message type "t"'),
        ('{"t":"dance"}', "unknown message type 'dance'"),
        ('{"t":"input","seq":true,"action":"flap"}', "input needs a positive integer seq"),
        ('{"t":"input","seq":0,"action":"flap"}', "input needs a positive integer seq"),
        ('{"t":"input","seq":1,"action":"' + "x" * 33 + '"}', "input needs an action"),
        ('{"t":"input","seq":1,"action":"' + "x" * m.MAX_MESSAGE_BYTES + '"}', "message larger than 4096 bytes"),
    ],
)
def test_anything_else_is_unexpected_with_a_reason(text: str, reason: str) -> None:
    assert m.parse(text) == m.Unexpected(reason)


@pytest.mark.parametrize("text", ['{"t":"auth","token":""}', '{"t":"auth"}', '{"t":"auth","token":7}'])
def test_an_auth_without_a_usable_token_is_told_apart(text: str) -> None:
    # Before authentication it is a bad token (TOKEN_INVALID), not an unreadable message.
    assert m.parse(text) == m.Unexpected("auth needs a token", auth=True)


@pytest.mark.parametrize(
    "text",
    ["[" * m.MAX_MESSAGE_BYTES, '{"t":"input","seq":1,"action":' + "[" * 1500 + "]" * 1500 + "}"],
    ids=["unclosed", "closed"],
)
def test_deeply_nested_json_is_unexpected_never_an_error(text: str) -> None:
    # The reason depends on the interpreter's recursion limit (the decoder recurses per level).
    assert isinstance(m.parse(text), m.Unexpected)


def test_the_errors_that_close_a_socket_are_error_codes() -> None:
    assert set(m.CLOSE_AFTER) <= set(get_args(m.ErrorCode))
