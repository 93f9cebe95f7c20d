"""The Colyseus peer's benchmark clients, with the interfaces of ours.

``ColyseusReceivers`` holds spectators of Colyseus rooms (``src/spectators.js``) and
answers as ``molt.bench.receivers.ReceiverPool`` does, with ``Received``s that
``molt.bench.delivery`` reads; ``ColyseusPlayers`` plays runs with the reference bot
(``src/players.js``) and answers as ``molt.bench.playerpool.PlayerPool`` does, with
``PlayerReport``s. Both run in Node.js processes of their own (``molt.bench.nodepool``).
"""

from __future__ import annotations

from array import array
from collections import Counter
from pathlib import Path

from molt.bench.nodepool import NodePool
from molt.bench.playerpool import PlayerReport
from molt.bench.receivers import Received


class ColyseusReceivers(NodePool):
    def __init__(self, processes: int, log_dir: Path) -> None:
        super().__init__(processes, "spectators.js", log_dir)
        self._next = 0

    async def connect(self, url: str, targets: list[tuple[str, int]]) -> tuple[int, list[str]]:
        """A spectator per (room id, stream), dealt out in turn; how many opened and the first errors."""
        shares: list[list[tuple[str, int]]] = [[] for _ in range(self.processes)]
        for target in targets:
            shares[self._next % self.processes].append(target)
            self._next += 1
        answers = await self.ask_all([("connect", url, share) for share in shares])
        return sum(opened for opened, _ in answers), [error for _, errors in answers for error in errors][:5]

    async def record(self) -> None:
        await self.ask_each("record")

    async def report(self, t0: float, t1: float) -> list[Received]:
        return [
            Received(
                keys=array("q", part["keys"]),
                times=array("d", part["times"]),
                frame_bytes=part["frame_bytes"],
                per_socket=part["per_socket"],
                cpu_pct=part["cpu_pct"],
            )
            for part in await self.ask_each("report", t0, t1)
        ]


class ColyseusPlayers(NodePool):
    def __init__(self, processes: int, log_dir: Path) -> None:
        super().__init__(processes, "players.js", log_dir)

    async def play(self, url: str, seeds: list[int], timeout_s: float) -> int:
        """Start a player per seed beside those playing; how many of all are live within ``timeout_s``."""
        shares = [seeds[n :: self.processes] for n in range(self.processes)]
        return sum(await self.ask_all([("play", url, share, timeout_s) for share in shares]))

    async def timing_on(self) -> None:
        await self.ask_each("on")

    async def timing_off(self) -> list[PlayerReport]:
        return [
            PlayerReport(
                samples_ms=part["samples_ms"],
                inputs_sent=part["inputs_sent"],
                runs_ended=part["runs_ended"],
                end_reasons=Counter(part["end_reasons"]),
                cpu_s=part["cpu_s"],
            )
            for part in await self.ask_each("off")
        ]
