"""Limits on the sockets, on a real edge: the protocol refuses a huge message before
reading it whole, JSON nested past the decoder's depth is a bad message, not a crash,
and the open sockets are bounded per client address and per edge."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.ws.messages import PROTOCOL_MAX_BYTES, Close
from molt.sdk import MoltClient
from molt.stack import Edge, Stack

pytestmark = pytest.mark.integration


def play_url(edge: Edge) -> str:
    return edge.url.replace("http", "ws", 1) + "/ws/flappy-bots/play?sessionId=ses_none"


async def test_a_message_over_the_protocol_bound_closes_the_socket_with_1009(edge: Edge) -> None:
    async with connect(play_url(edge), max_size=None) as ws:
        await ws.send("x" * (PROTOCOL_MAX_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.TOO_BIG


async def first_answer(edge: Edge, first: str | bytes) -> tuple[str, int]:
    """The error code and the close code a socket gets for ``first`` as its first message."""
    async with connect(play_url(edge)) as ws:
        await ws.send(first)
        answer = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert answer["t"] == "error" and closed.value.rcvd is not None
    return answer["code"], closed.value.rcvd.code


NESTED = ["[" * 4096, '{"t":"auth","token":' + "[" * 4000 + "}", "[" * 2000 + "]" * 2000]


@pytest.mark.parametrize("first", NESTED, ids=["unclosed", "in-auth", "closed"])
async def test_deeply_nested_json_as_first_message_is_a_bad_message_not_a_crash(edge: Edge, first: str) -> None:
    assert await first_answer(edge, first) == ("BAD_MESSAGE", Close.POLICY)


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        ("hello", ("BAD_MESSAGE", Close.POLICY)),
        ('{"t":"dance"}', ("BAD_MESSAGE", Close.POLICY)),
        ("x" * 5000, ("BAD_MESSAGE", Close.POLICY)),
        (b"\x00\x01", ("BAD_MESSAGE", Close.UNSUPPORTED)),
        # Readable, but no token: the socket is not authenticated.
        ('{"t":"auth"}', ("TOKEN_INVALID", Close.AUTH)),
        ('{"t":"input","seq":1,"action":"flap"}', ("TOKEN_INVALID", Close.AUTH)),
    ],
    ids=["not-json", "unknown-type", "too-large", "binary", "auth-without-token", "input-before-auth"],
)
async def test_a_first_message_is_a_bad_message_unless_it_reads_as_one(
    edge: Edge, first: str | bytes, expected: tuple[str, int]
) -> None:
    assert await first_answer(edge, first) == expected


async def test_deeply_nested_json_as_an_input_is_a_bad_message_and_the_socket_goes_on(edge: Edge) -> None:
    async with await MoltClient.register(edge.url, "nested-input") as client:
        sid = (await client.create_session("flappy-bots", seed=5))["sessionId"]
        ws, welcome = await open_play(await client.play_token("flappy-bots", sid), "10.9.0.1")
        async with ws:
            assert welcome["t"] == "welcome"
            for nested in NESTED:
                await ws.send(nested)
                answer = await next_error(ws)
                assert answer["code"] == "BAD_MESSAGE", answer
            # Still open, still playing: a good input is taken (its seq shows up in a frame).
            await ws.send(json.dumps({"t": "input", "seq": 1, "action": "flap"}))
            while not ((message := json.loads(await ws.recv()))["t"] == "frame" and message["lastInputSeq"] == 1):
                assert message["t"] != "error", message


async def next_error(ws: ClientConnection) -> dict:
    """The next ``error`` on ``ws``, past frames and counts."""
    while (message := json.loads(await ws.recv()))["t"] != "error":
        pass
    return message


# Two sockets per client address, three on the edge; this machine is a trusted proxy,
# so X-Forwarded-For names the client.
COUNTED_ENV = {
    "MOLT_EDGE_TRUSTED_PROXIES": "127.0.0.1",
    "MOLT_EDGE_MAX_SOCKETS_PER_CLIENT": "2",
    "MOLT_EDGE_MAX_SOCKETS": "3",
}


@pytest.fixture(scope="module")
def counted_edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-socket-counts", env=COUNTED_ENV)


async def open_play(token: dict, address: str) -> tuple[ClientConnection, dict]:
    """A play socket from ``address``, authenticated; returns it and the first answer."""
    ws = await connect(token["wsUrl"], additional_headers={"X-Forwarded-For": address})
    await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
    return ws, json.loads(await ws.recv())


async def assert_refused(token: dict, address: str) -> None:
    """Refused at once, before any auth: nothing is sent on it."""
    async with connect(token["wsUrl"], additional_headers={"X-Forwarded-For": address}) as ws:
        answer = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert (answer["t"], answer["code"]) == ("error", "TOO_MANY_SOCKETS")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.TRY_AGAIN


async def test_open_sockets_are_bounded_per_client_and_per_edge(counted_edge: Edge) -> None:
    async with await MoltClient.register(counted_edge.url, "many-sockets") as client:
        tokens = []
        for seed in range(4):
            sid = (await client.create_session("flappy-bots", seed=seed))["sessionId"]
            tokens.append(await client.play_token("flappy-bots", sid))
        a1, welcome = await open_play(tokens[0], "10.1.0.1")
        assert welcome["t"] == "welcome"
        a2, welcome = await open_play(tokens[1], "10.1.0.1")
        assert welcome["t"] == "welcome"
        await assert_refused(tokens[2], "10.1.0.1")  # the client's bound
        b1, welcome = await open_play(tokens[2], "10.1.0.2")
        assert welcome["t"] == "welcome"
        await assert_refused(tokens[3], "10.1.0.3")  # the edge's bound
        await a1.close()
        # The edge lets go of a1's place just after its close handshake: ask until it has.
        deadline = time.monotonic() + 30
        while (c1 := await welcomed(tokens[3], "10.1.0.3")) is None:
            assert time.monotonic() < deadline, "a closed socket's place never came back"
            await asyncio.sleep(0.1)
        for ws in (a2, b1, c1):
            await ws.close()


async def welcomed(token: dict, address: str) -> ClientConnection | None:
    """A play socket from ``address`` if the edge welcomes it, else None (it was refused)."""
    try:
        ws, answer = await open_play(token, address)
    except ConnectionClosed:  # refused before the auth was sent
        return None
    if answer["t"] == "welcome":
        return ws
    await ws.close()
    return None
