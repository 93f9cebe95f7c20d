"""N live sessions on the runtime, played by the reference bots, with their frames timed.

``LiveSessions`` opens sessions (SessionOpened then PlayerConnected, as an edge does
when a bot connects) and hands them to a ``TimedBotDriver``; ``hold`` keeps the count
at the target by opening a replacement for every run that ended, so the worker always
advances that many sessions. Games alternate, seeds count up.

``TimedBotDriver`` notes the Kafka timestamp (CreateTime: when the worker's producer
appended it) of every FrameBatch it reads, so timing the frames costs no second
consumer and no second decode. ``bots_playing`` sets both up on a broker, and abandons
the sessions and stops the bots on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiokafka.structs import ConsumerRecord

from molt.bench.bots import BotDriver
from molt.bench.writer import CommandWriter
from schemas.records import PlayerConnected, SessionAbandoned, SessionOpened
from streams.sim.registry import ENGINES

# How often ``hold`` replaces ended runs: a fraction of a second of a missing session.
HOLD_POLL_S = 0.2


@dataclass(frozen=True, slots=True)
class BatchTime:
    partition: int
    tick_no: int
    scheduled_us: int
    created_ms: int
    frames: int


class TimedBotDriver(BotDriver):
    def __init__(self, writer: CommandWriter, bootstrap: str, partitions: int) -> None:
        super().__init__(writer, bootstrap, partitions)
        self.batches: list[BatchTime] = []

    def on_batch(self, record: ConsumerRecord, batch: dict) -> None:
        self.batches.append(
            BatchTime(
                batch["partition"], batch["tickNo"], batch["scheduledAtUs"], record.timestamp, len(batch["frames"])
            )
        )


class LiveSessions:
    def __init__(self, writer: CommandWriter, driver: BotDriver) -> None:
        self.writer = writer
        self.driver = driver
        self.opened = 0
        self._prefix = f"bench_{secrets.token_hex(4)}"
        self._games = sorted(ENGINES)

    def session_ids(self) -> list[str]:
        """Every session opened so far."""
        return [f"{self._prefix}_{n}" for n in range(self.opened)]

    async def top_up(self, target: int) -> None:
        """Open sessions until ``target`` are being played."""
        while len(self.driver.sessions) < target:
            n = self.opened
            self.opened += 1
            session_id, game, connection = f"{self._prefix}_{n}", self._games[n % len(self._games)], f"conn_{n}"
            opened = SessionOpened(game, "api", seed=n, playerId="agt_bench", playerName="bench-bot", spectatorsMax=1)
            await self.writer.enqueue(session_id, opened)
            await self.writer.enqueue(session_id, PlayerConnected(connection))
            self.driver.drive(session_id, game, connection)

    async def hold(self, target: int, seconds: float) -> None:
        """Keep ``target`` sessions played for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await self.top_up(target)
            await asyncio.sleep(min(HOLD_POLL_S, left))

    async def abandon_all(self) -> None:
        """End every session still played, so no other worker on the cluster runs them on."""
        for session_id in list(self.driver.sessions):
            self.driver.release(session_id)
            await self.writer.enqueue(session_id, SessionAbandoned("benchmark over"))
        await self.writer.flush()


@contextlib.asynccontextmanager
async def bots_playing(bootstrap: str, partitions: int) -> AsyncIterator[tuple[LiveSessions, TimedBotDriver]]:
    """Live sessions and the timed bots playing them, until the block ends."""
    async with CommandWriter(bootstrap, producer_id="bench:bots") as writer:
        driver = TimedBotDriver(writer, bootstrap, partitions)
        await driver.start()
        try:
            live = LiveSessions(writer, driver)
            yield live, driver
            await live.abandon_all()
        finally:
            await driver.stop()
