"""Size limits on the sockets, on a real edge: the protocol refuses a huge message before
reading it whole, and JSON nested past the decoder's depth is a bad message, not a crash."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.ws.messages import PROTOCOL_MAX_BYTES, Close
from molt.stack import Edge

pytestmark = pytest.mark.integration


def play_url(edge: Edge) -> str:
    return edge.url.replace("http", "ws", 1) + "/ws/flappy-bots/play?sessionId=ses_none"


async def test_a_message_over_the_protocol_bound_closes_the_socket_with_1009(edge: Edge) -> None:
    async with connect(play_url(edge), max_size=None) as ws:
        await ws.send("x" * (PROTOCOL_MAX_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.TOO_BIG


@pytest.mark.parametrize("first", ["[" * 4096, '{"t":"auth","token":' + "[" * 4000 + "}"])
async def test_deeply_nested_json_as_first_message_is_refused_not_a_crash(edge: Edge, first: str) -> None:
    async with connect(play_url(edge)) as ws:
        await ws.send(first)
        answer = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert (answer["t"], answer["code"]) == ("error", "TOKEN_INVALID")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.AUTH
