"""SDK players spread over OS processes of their own, timing input → frame.

One process holding every player reads each tick's frames one socket after another:
the last player of a tick sees its frame only after the others' JSON was parsed and
their policies ran (at about 110 µs of CPU per frame, measured, 11 ms for 100 players),
and that queue, not the server, becomes the tail of the figure. A real fleet of bots runs on many machines;
children split the queue the way several machines would, and each reports its CPU.

A child obeys commands sent over its pipe, one answer each:

- ``play`` (edge URL, API key, [(game, seed)], timeout): start a ``Player`` per pair,
  playing runs back to back, and answer how many runs went live within ``timeout``;
- ``on``: time every input sent from now (``InputTiming``);
- ``off``: stop timing, wait until a frame covered every timed input (within
  ``COVERED_TIMEOUT_S``) and answer a ``PlayerReport``;
- ``exit``: stop playing and end.

A player's failure is answered instead, and the parent raises it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import uvloop

from molt.bench.childpool import ChildPool, obey
from molt.bench.players import InputTiming, Player, wait_live
from molt.sdk import MoltClient

# After the timed window, how long the frames covering its last inputs may take.
COVERED_TIMEOUT_S = 10.0


@dataclass
class PlayerReport:
    samples_ms: list[float] = field(default_factory=list)
    inputs_sent: int = 0
    runs_ended: int = 0  # while timing was on
    end_reasons: Counter[str] = field(default_factory=Counter)
    cpu_s: float = 0.0  # the child's CPU while timing was on


class PlayerPool(ChildPool):
    """``processes`` player children; the players are dealt out to them in turn."""

    def __init__(self, processes: int) -> None:
        super().__init__(processes, _child_main, "molt-bench-players")

    async def play(self, edge_url: str, api_key: str, players: list[tuple[str, int]], timeout_s: float) -> int:
        """Start ``players`` ((game, seed) each); returns how many runs went live in time."""
        shares = [players[n :: len(self.pipes)] for n in range(len(self.pipes))]
        answers = await self.ask_all([("play", edge_url, api_key, share, timeout_s) for share in shares])
        return sum(answers)

    async def timing_on(self) -> None:
        await self.ask_each(("on",))

    async def timing_off(self) -> list[PlayerReport]:
        return await self.ask_each(("off",))


def _child_main(pipe: Connection) -> None:
    uvloop.run(_Child(pipe).serve())


class _Child:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe
        self.timing = InputTiming()
        self.players: list[Player] = []
        self.tasks: list[asyncio.Task] = []
        self.client: MoltClient | None = None
        self.cpu_at_on = 0.0
        # Runs ended before ``on``, and their end reasons: the report counts the window's.
        self.runs_ended_at_on = 0
        self.reasons_at_on: Counter[str] = Counter()

    async def serve(self) -> None:
        try:
            await obey(self.pipe, self.handle)
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            if self.client is not None:
                await self.client.close()

    async def handle(self, command: str, payload: list):
        match command:
            case "play":
                edge_url, api_key, pairs, timeout_s = payload
                self.client = MoltClient(edge_url, api_key)
                self.players = [Player(self.client, game, seed, self.timing) for game, seed in pairs]
                self.tasks = [asyncio.create_task(player.play_forever()) for player in self.players]
                live = await wait_live(self.players, timeout_s)
                self.raise_failure()
                return live
            case "on":
                self.raise_failure()
                self.cpu_at_on = time.process_time()
                self.runs_ended_at_on = sum(player.runs_ended for player in self.players)
                self.reasons_at_on = self.end_reasons()
                self.timing.on = True
                return True
            case "off":
                self.timing.on = False
                cpu_s = time.process_time() - self.cpu_at_on
                runs_ended = sum(player.runs_ended for player in self.players) - self.runs_ended_at_on
                end_reasons = self.end_reasons() - self.reasons_at_on
                deadline = time.monotonic() + COVERED_TIMEOUT_S
                while any(player.timed_pending for player in self.players) and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)  # the players' tasks read the frames
                self.raise_failure()
                return PlayerReport(
                    samples_ms=self.timing.samples_ms,
                    inputs_sent=self.timing.sent,
                    runs_ended=runs_ended,
                    end_reasons=end_reasons,
                    cpu_s=cpu_s,
                )
        raise ValueError(f"unknown command {command!r}")

    def end_reasons(self) -> Counter[str]:
        return sum((player.end_reasons for player in self.players), Counter())

    def raise_failure(self) -> None:
        for task in self.tasks:
            failure = task.exception() if task.done() and not task.cancelled() else None
            if failure is not None:
                raise failure
