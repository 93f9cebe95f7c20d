"""Bots playing live sessions through the SDK (``molt.sdk``), timing input → frame.

Each ``Player`` plays runs back to back on an edge with its game's reference policy,
exactly as ``molt bots`` does: a frame in, maybe an input out, once the last input took
effect. While ``InputTiming`` is on, every input sent is timed: from just before the
SDK sends it to the arrival of the first frame whose ``lastInputSeq`` covers it
(whenever that comes), measured where the bot sees it; an input whose run ends first is
not timed. ``live`` is set once the player's first run is.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from molt.sdk import MoltApiError, MoltClient
from streams.sim.bots import reference_policy

# How long a session recorded by the edge may take to be opened by a loaded worker.
OPEN_TIMEOUT_S = 60.0


@dataclass
class InputTiming:
    on: bool = False
    sent: int = 0  # inputs sent while on, covered by a frame or not
    samples_ms: list[float] = field(default_factory=list)


class Player:
    def __init__(self, client: MoltClient, game: str, seed: int, timing: InputTiming) -> None:
        self.client = client
        self.game = game
        self.seed = seed
        self.timing = timing
        self.live = asyncio.Event()
        self.runs_ended = 0
        self.end_reasons: Counter[str] = Counter()
        self.timed_pending = 0  # inputs sent while timing was on that no frame covers yet

    async def play_forever(self) -> None:
        policy = reference_policy(self.game)
        seed: int | None = self.seed  # later runs get a random seed from the edge
        while True:
            session_id = await open_session(self.client, self.game, seed=seed)
            seed = None
            # (seq, send time, timed?) of the inputs no frame covers yet
            sent: deque[tuple[int, float, bool]] = deque()
            self.timed_pending = 0
            async with self.client.play(self.game, session_id) as socket:
                async for message in socket:
                    if message["t"] != "frame":
                        continue
                    arrived = time.perf_counter()
                    self.live.set()
                    while sent and sent[0][0] <= message["lastInputSeq"]:
                        _, at, timed = sent.popleft()
                        if timed:
                            self.timed_pending -= 1
                            self.timing.samples_ms.append((arrived - at) * 1000)
                    if not socket.ready_for_input():
                        continue  # as ``MoltClient.play_with`` does: the last input is on its way
                    action = policy(message["state"])
                    if action is not None:
                        at = time.perf_counter()
                        sent.append((await socket.send(action), at, self.timing.on))
                        self.timed_pending += self.timing.on
                        self.timing.sent += self.timing.on
                result = socket.result
            self.runs_ended += 1
            if result is not None:
                self.end_reasons[result["endReason"]] += 1


async def wait_live(players: list[Player], timeout_s: float) -> int:
    """Wait until every player's run is live or ``timeout_s`` passed; returns how many are."""
    waits = [asyncio.create_task(player.live.wait()) for player in players]
    _, pending = await asyncio.wait(waits, timeout=timeout_s)
    for wait in pending:
        wait.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return sum(player.live.is_set() for player in players)


async def open_session(client: MoltClient, game: str, **options: Any) -> str:
    """A new session's id; a 503 (recorded, not yet opened by a slow worker) is waited out."""
    try:
        return (await client.create_session(game, **options))["sessionId"]
    except MoltApiError as exc:
        if exc.status != 503 or "sessionId" not in exc.body:
            raise
        session_id = exc.body["sessionId"]
    deadline = time.monotonic() + OPEN_TIMEOUT_S
    while True:
        try:
            await client.session(game, session_id)
            return session_id
        except MoltApiError as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.5)  # polling the session: there is no event to await
