"""The baseline of fan-out: a bare ``websockets`` server broadcasting frames at the tick rate.

It is what the edge would be with nothing but the sending: one process on uvloop (as the
edge runs under uvicorn), every connected socket gets every frame through
``websockets.broadcast``, which writes the same text to each socket without waiting for
any of them. Frames have the edge's shape (``app.ws.messages.FRAME_TEMPLATE``) with a state of
a given size, so receivers read them the same way, paced by ``molt.bench.pacing``.
``BroadcastServer`` runs it in a child process bound to a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
from multiprocessing.connection import Connection

import uvloop
from websockets.asyncio.server import ServerConnection, broadcast, serve

from app.ws.messages import FRAME_TEMPLATE
from molt.bench.pacing import ticks


class BroadcastServer:
    def __init__(self, state_bytes: int, tick_rate: int) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._pipe = ours
        self._child = context.Process(
            target=_child_main, args=(theirs, state_bytes, tick_rate), name="molt-bench-broadcast", daemon=True
        )
        self._child.start()
        theirs.close()
        self.url = ""

    @property
    def pid(self) -> int:
        assert self._child.pid is not None
        return self._child.pid

    async def started(self) -> str:
        """The server's ws:// URL, once it listens."""
        port = await asyncio.to_thread(self._pipe.recv)
        self.url = f"ws://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send("stop")
        await asyncio.to_thread(self._child.join, 10)
        if self._child.is_alive():
            self._child.kill()
            await asyncio.to_thread(self._child.join)
        self._pipe.close()


def state_of_size(size: int) -> str:
    """A JSON object of exactly ``size`` characters (at least 8) standing in for a game state."""
    padding = max(0, size - len('{"pad":""}'))
    return json.dumps({"pad": "x" * padding}, separators=(",", ":"))


def _child_main(pipe: Connection, state_bytes: int, tick_rate: int) -> None:
    uvloop.run(_serve(pipe, state_of_size(state_bytes), tick_rate))


async def _serve(pipe: Connection, state_json: str, tick_rate: int) -> None:
    connections: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        connections.add(ws)
        try:
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        pipe.send(port)
        ticker = asyncio.create_task(_tick(connections, state_json, tick_rate))
        await asyncio.to_thread(pipe.recv)  # the parent says stop
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    pipe.close()


async def _tick(connections: set[ServerConnection], state_json: str, tick_rate: int) -> None:
    async for tick in ticks(tick_rate):
        broadcast(connections, FRAME_TEMPLATE % (tick, 0, state_json))
