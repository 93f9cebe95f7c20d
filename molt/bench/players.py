"""Bots playing live sessions through the SDK (``molt.sdk``), timing input → frame.

Each ``Player`` plays runs back to back on an edge with its game's reference policy,
exactly as ``molt bots`` does: a frame in, maybe an input out. While ``InputTiming``
is on, every input's latency is noted: from just before the SDK sends it to the
arrival of the first frame whose ``lastInputSeq`` covers it, measured where the bot
sees it. ``live`` is set once the player's first run is.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

from molt.sdk import MoltClient
from streams.sim.bots import reference_policy


@dataclass
class InputTiming:
    on: bool = False
    samples_ms: list[float] = field(default_factory=list)


class Player:
    def __init__(self, client: MoltClient, game: str, seed: int, timing: InputTiming) -> None:
        self.client = client
        self.game = game
        self.seed = seed
        self.timing = timing
        self.live = asyncio.Event()
        self.runs_ended = 0

    async def play_forever(self) -> None:
        policy = reference_policy(self.game)
        seed: int | None = self.seed  # later runs get a random seed from the edge
        while True:
            session = await self.client.create_session(self.game, seed=seed)
            seed = None
            sent: deque[tuple[int, float]] = deque()  # (seq, send time) of inputs no frame covers yet
            async with self.client.play(self.game, session["sessionId"]) as socket:
                async for message in socket:
                    if message["t"] != "frame":
                        continue
                    arrived = time.perf_counter()
                    self.live.set()
                    while sent and sent[0][0] <= message["lastInputSeq"]:
                        _, at = sent.popleft()
                        if self.timing.on:
                            self.timing.samples_ms.append((arrived - at) * 1000)
                    action = policy(message["state"])
                    if action is not None:
                        at = time.perf_counter()
                        sent.append((await socket.send(action), at))
            self.runs_ended += 1


async def wait_live(players: list[Player], timeout_s: float) -> int:
    """Wait until every player's run is live or ``timeout_s`` passed; returns how many are."""
    waits = [asyncio.create_task(player.live.wait()) for player in players]
    _, pending = await asyncio.wait(waits, timeout=timeout_s)
    for wait in pending:
        wait.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return sum(player.live.is_set() for player in players)

