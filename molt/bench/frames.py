"""A stand-in for the worker's frames: FrameBatches for given sessions, at the tick rate.

The edge's fan-out reads frames from session.frames whoever wrote them, so a benchmark
of the fan-out alone can feed it frames of sessions no worker ticks (sessions still
waiting for their player): they never end, and no worker's load or skipped ticks shows
in the figures. ``FrameFeed`` publishes one FrameBatch per tick, on one partition (as
a worker does for the sessions of a partition), holding a frame for every session; the
frames are real ShellRunners frames, those of the reference bot's run from seed 0, in
a loop, so their size is that of a live game's, and compressed as the worker
compresses them, so the edge decompresses what it would in production.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaProducer

from infra.aio import cancel_and_wait
from infra.kafkaclients import client_options
from molt.bench.pacing import ticks
from schemas.codec import Codec
from schemas.topics import FRAMES_COMPRESSION, SESSION_FRAMES
from streams.sim.bots import reference_policy
from streams.sim.registry import ENGINES
from streams.sim.replay import record, replay

GAME = "shellrunners"
LOOP_TICKS = 300


def game_frames(ticks_: int = LOOP_TICKS) -> list[str]:
    """The frames (JSON) of the first ``ticks_`` ticks of the reference bot's run from seed 0."""
    engine = ENGINES[GAME]
    inputs = record(engine, 0, reference_policy(GAME), ticks_)
    return [engine.frame_json(step.state) for step in replay(engine, 0, inputs)]


class FrameFeed:
    def __init__(self, bootstrap: str, session_ids: list[str], tick_rate: int, partition: int = 0) -> None:
        self.session_ids = session_ids
        self.tick_rate = tick_rate
        self.partition = partition
        self.codec = Codec()
        self.frames = game_frames()
        self._producer = AIOKafkaProducer(**client_options(bootstrap), linger_ms=0, compression_type=FRAMES_COMPRESSION)
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> FrameFeed:
        await self._producer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        await cancel_and_wait(self._task)
        await self._producer.stop()

    async def _run(self) -> None:
        engine_version = ENGINES[GAME].engine_version
        async for tick in ticks(self.tick_rate):
            frame_json = self.frames[tick % len(self.frames)]
            frames = [
                {"sessionId": session_id, "engineVersion": engine_version, "seq": tick, "lastInputSeq": 0,
                 "stateHash": "", "frameJson": frame_json}
                for session_id in self.session_ids
            ]  # fmt: skip
            batch = {
                "partition": self.partition,
                "tickNo": tick,
                "scheduledAtUs": time.time_ns() // 1000,
                "frames": frames,
            }
            # Enqueued, not awaited: a slow acknowledgement must not delay the next tick.
            await self._producer.send(
                SESSION_FRAMES.name, self.codec.encode("FrameBatch", batch), partition=self.partition
            )
