"""Registers the session runtime on a Faust app: topics, tables, the agent, the clock.

The agent is a short shell on the turns topic: it gives the runtime the event context
in which Faust lets it write the tables of that partition (see ``runtime``). The
runtime reads session.commands itself; the clock process appends the ticks
(``clock``): the runtime tells it the recovered partitions, a Faust sensor tells it
when a rebalance starts and ends.
"""

from __future__ import annotations

import faust

from infra import heap
from infra.settings import TopicSettings, WorkerSettings
from schemas.topics import (
    CHECKPOINTS_TABLE,
    FRAMES_COMPRESSION,
    SEAT_REPLIES,
    SESSION_COMMANDS,
    SESSION_FRAMES,
    SESSION_RESULTS,
    SESSION_STATE_TABLE,
    SESSIONS_VIEW,
    SNAPSHOT_TRIGGERS,
    SPECTATORS_VIEW,
    table_turns_topic,
)
from streams.rebalances import follow_rebalances
from streams.sessions.clock import ClockProcess, ClockSettings
from streams.sessions.direct import DirectTopic
from streams.sessions.runtime import SessionRuntime
from streams.sessions.wiring import RuntimeTables, RuntimeTopics
from streams.sim.registry import ENGINES


def install(app: faust.App, worker: WorkerSettings, topics: TopicSettings, bootstrap: str) -> SessionRuntime:
    for engine in ENGINES.values():
        if engine.config.tick_rate != worker.tick_rate:
            # One Tick advances every session of a partition: games share the rate.
            raise ValueError(
                f"{engine.slug} ticks at {engine.config.tick_rate} Hz, the worker at {worker.tick_rate} Hz"
            )

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, partitions=topics.partitions)

    def table(name: str) -> faust.types.TableT:
        return app.Table(name, key_type=bytes, value_type=bytes, partitions=topics.partitions)

    runtime = SessionRuntime(
        app,
        RuntimeTopics(
            commands=topic(SESSION_COMMANDS.name),
            frames=DirectTopic(bootstrap, SESSION_FRAMES.name, compression=FRAMES_COMPRESSION),
            results=topic(SESSION_RESULTS.name),
            seat_replies=DirectTopic(bootstrap, SEAT_REPLIES.name),
            triggers=topic(SNAPSHOT_TRIGGERS.name),
            turns=topic(table_turns_topic(worker.app_id).name),
        ),
        RuntimeTables(
            sessions=table(SESSIONS_VIEW),
            spectators=table(SPECTATORS_VIEW),
            state=table(SESSION_STATE_TABLE),
            checkpoints=table(CHECKPOINTS_TABLE),
        ),
        bootstrap=bootstrap,
        checkpoint_ticks=worker.checkpoint_ticks,
    )
    clock = ClockProcess(
        ClockSettings(
            bootstrap=bootstrap,
            topic=SESSION_COMMANDS.name,
            producer_id=f"{worker.worker_id}:ticker",
            tick_rate=worker.tick_rate,
        )
    )
    runtime.on_ready_changed = clock.set_partitions
    app.sensors.add(_RebalancePausesClock(clock))

    @app.agent(runtime.topics.turns, name="table_turns")
    async def table_turns(stream: faust.StreamT) -> None:
        async for event in stream.events():
            runtime.take_turn(event.message.partition)

    @app.task
    async def tick_clock() -> None:
        # Started: what exists now lives as long as the worker (see infra.heap).
        heap.settle()
        await runtime.topics.seat_replies.start()
        await runtime.topics.frames.start()
        # What the runtime and the sensor told the clock before now waits in its pipe.
        clock.start()
        try:
            # Until the app stops, which cancels this task; a worker without its clock
            # would own partitions that never tick, so it stops and they move.
            code = await clock.exited()
            await app.crash(RuntimeError(f"the clock process ended (exit code {code})"))
        finally:
            clock.stop()
            await runtime.topics.frames.stop()
            await runtime.topics.seat_replies.stop()

    follow_rebalances(app, runtime.on_revoked, runtime.on_assignment_ready)

    return runtime


class _RebalancePausesClock(faust.Sensor):
    """No ticks while ownership moves: Faust calls its sensors as a rebalance starts and ends."""

    def __init__(self, clock: ClockProcess) -> None:
        super().__init__()
        self.clock = clock

    def on_rebalance_start(self, app: faust.types.AppT) -> dict:
        self.clock.set_paused(True)
        return super().on_rebalance_start(app)

    def on_rebalance_end(self, app: faust.types.AppT, state: dict) -> None:
        self.clock.set_paused(False)
        super().on_rebalance_end(app, state)
