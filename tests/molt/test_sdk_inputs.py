"""The SDK's play socket holds a new input until the last one took effect, within a bound.

A real ``websockets`` server plays a scripted run at the socket: frames whose
``lastInputSeq`` covers the client's inputs late, or never.
"""

from __future__ import annotations

import json

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from molt.sdk import UNCOVERED_INPUT_FRAMES, PlaySocket


def frame(last_input_seq: int, tick: int) -> str:
    state = {"ended": False}
    return json.dumps({"t": "frame", "tick": tick, "lastInputSeq": last_input_seq, "state": state})


# What the server sends, by the lastInputSeq of each frame: the first input is covered
# three frames late, the second never (as if the edge refused it).
SCRIPT = [0, 0, 0, 0, 1] + [1] * UNCOVERED_INPUT_FRAMES


async def test_an_input_waits_for_the_last_to_take_effect() -> None:
    received: list[dict] = []

    async def run(ws: ServerConnection) -> None:
        for tick, covered in enumerate(SCRIPT):
            await ws.send(frame(covered, tick))
        await ws.send(json.dumps({"t": "end", "result": {"score": 0}}))
        async for message in ws:
            received.append(json.loads(message))

    async with serve(run, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        socket = PlaySocket(client=None, game="flappy-bots", session_id="s")  # type: ignore[arg-type]
        socket._ws = await connect(f"ws://127.0.0.1:{port}")
        ready = []
        async for message in socket:
            if message["t"] == "frame":
                ready.append(socket.ready_for_input())
                if ready[-1]:
                    await socket.send("flap")  # a policy that always wants to act
        await socket._ws.close()

    # Sent at once; held while uncovered; sent again once covered; then held for
    # UNCOVERED_INPUT_FRAMES frames that never cover it, and sent again on the last.
    assert ready == [True, False, False, False, True] + [False] * (UNCOVERED_INPUT_FRAMES - 1) + [True]
    assert [m["seq"] for m in received] == [1, 2, 3]
    assert socket.result == {"score": 0}
