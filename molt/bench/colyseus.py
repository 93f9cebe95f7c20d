"""The Colyseus peer: the Node.js project in ``peers/colyseus`` that runs Flappy Bots as a Colyseus room.

``ColyseusServer`` runs its server (``src/server.js``) as a child process on a free
loopback port, stopped with its process group; ``autoplay`` opens a room that plays
itself (the always-live session a fan-out watches) and ``window`` brackets a measured
window, answering the ticks' lags behind their due times. ``npm ci`` (``./molt.sh``)
must have installed the project's packages first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx

from infra.localkafka import free_port
from infra.settings import REPO_ROOT
from molt.processes import ManagedProcess, ProcessFailed

PROJECT = REPO_ROOT / "peers" / "colyseus"
READY_TIMEOUT_S = 30.0


def node() -> str:
    """The ``node`` executable; the peer cannot run without it, nor without its packages."""
    found = shutil.which("node")
    if found is None:
        raise ProcessFailed("node is not installed: the Colyseus peer needs Node.js 20 or newer")
    if not (PROJECT / "node_modules").is_dir():
        raise ProcessFailed(f"{PROJECT}/node_modules is missing: run ./molt.sh once to install it (npm ci)")
    return found


class ColyseusServer:
    def __init__(self, log_path: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = ManagedProcess("colyseus", [node(), str(PROJECT / "src" / "server.js"), str(port)], log_path)

    def __enter__(self) -> ColyseusServer:
        self.process.start()
        try:
            self.process.wait_http_ok(f"{self.url}/healthz", READY_TIMEOUT_S)
        except BaseException:
            self.process.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.process.stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    async def autoplay(self, seed: int, spectators_max: int) -> str:
        """A new room playing its own run from ``seed`` with that many seats; its id."""
        params = {"seed": seed, "spectatorsMax": spectators_max}
        return (await self._post("/bench/autoplay", params))["roomId"]

    async def open_window(self) -> None:
        await self._post("/bench/window/open")

    async def close_window(self) -> list[float]:
        """The lags (ms) of every tick since ``open_window``: due time → patch handed to the sockets."""
        return (await self._post("/bench/window/close"))["tick_lag_ms"]

    async def _post(self, path: str, params: dict | None = None) -> dict:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.post(path, params=params)
        response.raise_for_status()
        return response.json()
