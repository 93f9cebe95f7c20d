"""Many spectator sockets in a separate OS process, timing every frame they receive.

A benchmark of fan-out needs receivers that are not its bottleneck, so they live in
their own processes (``ReceiverPool``, one child per process), each holding many
sockets of the minimal client ``molt.bench.wsclient`` on uvloop, and they do the least a
viewer must: a frame is recognised by its prefix and only its tick number is read,
never the JSON.

A child obeys commands sent over its pipe, one answer each:

- ``connect`` (targets): open a socket per ``Target``, authenticate when it has a token
  and wait for the welcome; answers how many are open and the first errors;
- ``record``: from now, note (stream key, tick, wall time) of every frame;
- ``report`` (t0, t1): stop noting; answer a ``Received`` with what was noted, how many
  frames each socket got in [t0, t1), and the child's CPU use since ``record``;
- ``close``: close every socket; ``exit``: close them and end.

Wall times (``time.time``) from different children are comparable: one machine, one clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import uvloop

from app.ws.messages import FRAME_TEMPLATE
from molt.bench.childpool import ChildPool, obey
from molt.bench.wsclient import WsReader, open_reader

FRAME_PREFIX = FRAME_TEMPLATE[: FRAME_TEMPLATE.index("%d")].encode()
WELCOME_PREFIX = b'{"t":"welcome"'
# Sockets opening at once per child: enough to connect thousands in seconds, few
# enough that the server's accept queue never overflows.
CONNECTING = 50
OPEN_TIMEOUT_S = 30.0
# A key packs (stream, tick) in one integer: stream in the high bits.
TICK_BITS = 32


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    token: str | None  # None: the server needs no auth (the bare broadcast)
    stream: int  # which frame stream this socket follows (a session, or the broadcast)


@dataclass
class Received:
    keys: array = field(default_factory=lambda: array("q"))  # stream << TICK_BITS | tick
    times: array = field(default_factory=lambda: array("d"))  # wall time of receipt, s
    frame_bytes: int = 0
    per_socket: list[int] = field(default_factory=list)  # frames each open socket got in the window
    cpu_pct: float = 0.0  # the child's CPU from record to report, % of one core


def key_stream(key: int) -> int:
    return key >> TICK_BITS


class ReceiverPool(ChildPool):
    """``processes`` receiver children; targets are dealt out to them in turn."""

    def __init__(self, processes: int) -> None:
        super().__init__(processes, _child_main, "molt-bench-receiver")
        self._next = 0

    async def connect(self, targets: list[Target]) -> tuple[int, list[str]]:
        """Open ``targets``; returns how many opened and the first errors."""
        shares: list[list[Target]] = [[] for _ in self.pipes]
        for target in targets:
            shares[self._next % len(shares)].append(target)
            self._next += 1
        answers = await self.ask_all([("connect", share) for share in shares])
        return sum(opened for opened, _ in answers), [error for _, errors in answers for error in errors][:5]

    async def record(self) -> None:
        await self.ask_each(("record",))

    async def report(self, t0: float, t1: float) -> list[Received]:
        return await self.ask_each(("report", t0, t1))

    async def close_sockets(self) -> None:
        await self.ask_each(("close",))
        self._next = 0


def _child_main(pipe: Connection) -> None:
    uvloop.run(_Child(pipe).serve())


class _Child:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.sockets: dict[asyncio.Task, list[float]] = {}  # watcher -> receipt times while recording
        self.recording = False
        self.received = Received()
        self.recorded_at = (0.0, 0.0)  # (wall, CPU) times of ``record``

    async def serve(self) -> None:
        try:
            await obey(self.pipe, self.handle)
        finally:
            await self.close()

    async def handle(self, command: str, payload: list):
        match command:
            case "connect":
                return await self.connect(*payload)
            case "record":
                self.recording, self.received = True, Received()
                self.recorded_at = (time.monotonic(), time.process_time())
                for times in self.sockets.values():
                    times.clear()
                return True
            case "report":
                return self.report(*payload)
            case "close":
                return await self.close()
        raise ValueError(f"unknown command {command!r}")

    async def connect(self, targets: list[Target]) -> tuple[int, list[str]]:
        gate = asyncio.Semaphore(CONNECTING)
        opened = [asyncio.get_running_loop().create_future() for _ in targets]
        for target, ready in zip(targets, opened, strict=True):
            times: list[float] = []
            self.sockets[asyncio.create_task(self.watch(target, gate, ready, times))] = times
        outcomes = await asyncio.gather(*opened)
        return sum(error is None for error in outcomes), [error for error in outcomes if error is not None][:5]

    async def watch(self, target: Target, gate: asyncio.Semaphore, ready: asyncio.Future, times: list[float]) -> None:
        """One socket: open it, then note its frames until it closes."""
        try:
            async with gate:
                ws = await open_reader(target.url, OPEN_TIMEOUT_S, deflate=True)
                if target.token is not None:
                    ws.send_text(json.dumps({"t": "auth", "token": target.token}))
                    first = await asyncio.wait_for(ws.first_text, OPEN_TIMEOUT_S)
                    if not first.startswith(WELCOME_PREFIX):
                        ws.close()
                        raise ConnectionError(f"refused: {first[:200]!r}")
        except Exception as exc:
            ready.set_result(f"{type(exc).__name__}: {exc}")
            return
        ready.set_result(None)
        await self.follow(ws, target.stream << TICK_BITS, times)

    async def follow(self, ws: WsReader, stream_key: int, times: list[float]) -> None:
        skip = len(FRAME_PREFIX)

        def on_text(payload: bytes) -> None:
            if self.recording and payload.startswith(FRAME_PREFIX):
                now = time.time()
                received = self.received
                received.keys.append(stream_key | int(payload[skip : payload.index(b",", skip)]))
                received.times.append(now)
                received.frame_bytes += ws.wire_size  # as it came: deflated or not
                times.append(now)

        ws.follow(on_text)
        try:
            await ws.closed  # the server ended the socket: it simply stops counting
        finally:
            ws.close()

    def report(self, t0: float, t1: float) -> Received:
        self.recording = False
        received = self.received
        wall, cpu = self.recorded_at
        received.cpu_pct = round(100 * (time.process_time() - cpu) / (time.monotonic() - wall), 1)
        received.per_socket = [
            sum(t0 <= t < t1 for t in times) for task, times in self.sockets.items() if not task.done()
        ]
        return received

    async def close(self) -> bool:
        tasks = list(self.sockets)
        self.sockets.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return True
