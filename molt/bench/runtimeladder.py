"""The runtime's ladder: how many live sessions one worker process holds at 30 Hz.

``molt bench runtime`` (``molt.commands.bench_runtime``, whose docstring says what each
figure is) and ``molt bench peers`` climb it: N sessions kept live on one worker by the
reference bots of ``molt.bench.bots``, each rung warmed up then measured over a window,
and a rung holds when p99 tick jitter ≤ ``JITTER_BOUND_MS`` and p99 tick-to-frame lag ≤
one tick interval.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import asdict, dataclass

from infra.settings import WorkerSettings
from molt.bench.ladder import Ladder, ceiling
from molt.bench.load import BatchTime, LiveSessions, TimedBotDriver, bots_playing
from molt.bench.roundtrip import roundtrip_ms
from molt.bench.stats import MachineCpu, main_thread_cpu_seconds, percentiles, tree_cpu_seconds
from molt.bench.ticks import TickTime, tick_times
from streams.sessions.pacing import Schedule

JITTER_BOUND_MS = 5.0
WORKER = "bench-worker"
# The runtime names its ticker's producer after the worker (streams.sessions.agents).
TICKER_ID = f"{WORKER}:ticker"
# After a window, how long the frames of its last ticks may take to arrive.
SETTLE_TIMEOUT_S = 10.0
# Frames this close to their schedule show the worker folds the log's present.
CURRENT_MS = 1000.0
CATCH_UP_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class LadderOptions:
    """What a ladder measures: its rungs, each rung's warm-up and window, the first warm-up,
    the Kafka round trips timed first, and the partitions of the session topics."""

    ladder: Ladder
    seconds: float
    warmup: float
    first_warmup: float
    roundtrips: int
    partitions: int


@dataclass
class Step:
    sessions: int
    live_sessions: int
    jitter_ms: dict[str, float] | None
    tick_to_frame_ms: dict[str, float] | None
    frames_per_s: int
    inputs_per_s: int
    runs_ended_per_s: float
    worker_cpu_pct: float
    worker_loop_cpu_pct: float
    bots_cpu_pct: float
    worker_us_per_frame: float | None
    bots_us_per_frame: float | None
    machine_busy_pct: float | None
    steal_pct: float | None
    ticks_due: int
    ticks_skipped: int
    other_tickers: list[str]

    def within(self, tick_interval_ms: float) -> bool:
        return (
            self.jitter_ms is not None
            and self.tick_to_frame_ms is not None
            and self.jitter_ms["p99"] <= JITTER_BOUND_MS
            and self.tick_to_frame_ms["p99"] <= tick_interval_ms
        )


async def measure_ladder(bootstrap: str, worker_pid: int, options: LadderOptions) -> dict:
    """The Kafka floor, then each rung of the ladder measured on the worker ``worker_pid``: the report."""
    args = options
    print(f"timing {args.roundtrips} Kafka round trips…", flush=True)
    floor = percentiles(await roundtrip_ms(bootstrap, args.roundtrips))
    tick_rate = WorkerSettings().tick_rate
    steps: list[Step] = []
    async with bots_playing(bootstrap, args.partitions) as (live, driver):
        ladder = args.ladder
        await live.top_up(ladder.rungs[0])
        print("waiting for the first frames…", flush=True)
        await _caught_up(driver)
        print(f"warming the broker and the worker up ({args.first_warmup:g} s)…", flush=True)
        await live.hold(ladder.rungs[0], args.first_warmup)
        for n in ladder.steps(lambda: steps[-1].within(1000 / tick_rate)):
            print(f"N={n}: warming up ({args.warmup:g} s)…", flush=True)
            await live.hold(n, args.warmup)
            print(f"N={n}: measuring ({args.seconds:g} s)…", flush=True)
            steps.append(await _measure_step(args, bootstrap, worker_pid, tick_rate, live, driver, n))
    return _report(args, tick_rate, floor, steps)


async def _measure_step(
    args: LadderOptions,
    bootstrap: str,
    worker_pid: int,
    tick_rate: int,
    live: LiveSessions,
    driver: TimedBotDriver,
    n: int,
) -> Step:
    driver.batches.clear()
    began = _Mark.now(worker_pid, driver)
    await live.hold(n, args.seconds)
    ended = _Mark.now(worker_pid, driver)
    window_s = ended.wall_s - began.wall_s
    start_us, end_us = int(began.wall_s * 1e6), int(ended.wall_s * 1e6)
    await _settle(driver, end_us)
    tickers = await tick_times(bootstrap, args.partitions, start_us, end_us)
    ticks = tickers.pop(TICKER_ID, [])
    if tickers:
        print(f"warning: other tickers on these topics, figures are mixed: {', '.join(sorted(tickers))}")
    batches = _window_batches(driver.batches, start_us, end_us)
    frames = sum(b.frames for b in batches)
    ticks_due = _ticks_due(tick_rate, start_us, end_us)
    machine = ended.machine.shares_since(began.machine) or {}
    return Step(
        sessions=n,
        live_sessions=round(frames / len({b.tick_no for b in batches})) if batches else 0,
        jitter_ms=percentiles([_since_due_ms(t) for t in ticks]),
        tick_to_frame_ms=percentiles([_since_due_ms(b) for b in batches]),
        frames_per_s=round(frames / window_s),
        inputs_per_s=round((ended.inputs - began.inputs) / window_s),
        runs_ended_per_s=round((ended.runs_ended - began.runs_ended) / window_s, 1),
        worker_cpu_pct=round(100 * (ended.worker_cpu_s - began.worker_cpu_s) / window_s, 1),
        worker_loop_cpu_pct=round(100 * (ended.worker_loop_cpu_s - began.worker_loop_cpu_s) / window_s, 1),
        bots_cpu_pct=round(100 * (ended.own_cpu_s - began.own_cpu_s) / window_s, 1),
        worker_us_per_frame=_per_frame_us(ended.worker_cpu_s - began.worker_cpu_s, frames),
        bots_us_per_frame=_per_frame_us(ended.own_cpu_s - began.own_cpu_s, frames),
        machine_busy_pct=machine.get("busy_pct"),
        steal_pct=machine.get("steal_pct"),
        ticks_due=ticks_due,
        ticks_skipped=ticks_due - len({t.tick_no for t in ticks}),
        other_tickers=sorted(tickers),
    )


async def _caught_up(driver: TimedBotDriver) -> None:
    """Wait for current frames: a worker new to a cluster with history first folds all of it."""
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while not any(_since_due_ms(b) < CURRENT_MS for b in driver.batches):
        if time.monotonic() > deadline:
            print(f"warning: no current frames after {CATCH_UP_TIMEOUT_S:g} s; measuring anyway")
            return
        await asyncio.sleep(0.2)  # the driver's task reads the frames


@dataclass(frozen=True)
class _Mark:
    """The counters a window is the difference of."""

    wall_s: float
    worker_cpu_s: float
    worker_loop_cpu_s: float
    own_cpu_s: float
    inputs: int
    runs_ended: int
    machine: MachineCpu

    @classmethod
    def now(cls, worker_pid: int, driver: TimedBotDriver) -> _Mark:
        return cls(
            time.time(), tree_cpu_seconds(worker_pid), main_thread_cpu_seconds(worker_pid), time.process_time(),
            driver.inputs_sent, len(driver.over), MachineCpu.now(),
        )  # fmt: skip


async def _settle(driver: TimedBotDriver, end_us: int) -> None:
    """Wait until every partition with frames has sent those of a tick due after ``end_us``."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        partitions = {b.partition for b in driver.batches}
        if partitions <= {b.partition for b in driver.batches if b.scheduled_us >= end_us}:
            return
        await asyncio.sleep(0.1)  # the driver's task reads the frames


def _window_batches(batches: list[BatchTime], start_us: int, end_us: int) -> list[BatchTime]:
    """The first FrameBatch of each partition's tick due in the window."""
    first: dict[tuple[int, int], BatchTime] = {}
    for batch in batches:
        if start_us <= batch.scheduled_us < end_us:
            first.setdefault((batch.partition, batch.tick_no), batch)
    return list(first.values())


def _per_frame_us(cpu_s: float, frames: int) -> float | None:
    return round(cpu_s * 1e6 / frames, 1) if frames else None


def _since_due_ms(record: TickTime | BatchTime) -> float:
    return record.created_ms + 0.5 - record.scheduled_us / 1000


def _ticks_due(tick_rate: int, start_us: int, end_us: int) -> int:
    schedule = Schedule.start(tick_rate, 0, 0)
    first = start_us * 1000 // schedule.period_ns
    candidates = range(first, end_us * 1000 // schedule.period_ns + 1)
    return sum(start_us <= schedule.scheduled_wall_us(k) < end_us for k in candidates)


def _report(args: LadderOptions, tick_rate: int, floor: dict | None, steps: list[Step]) -> dict:
    interval_ms = 1000 / tick_rate
    held = [step.sessions for step in steps if step.within(interval_ms)]
    return {
        "tick_rate": tick_rate,
        "partitions": args.partitions,
        "cores": os.cpu_count(),
        "window_s": args.seconds,
        "warmup_s": args.warmup,
        "first_warmup_s": args.first_warmup,
        "bounds_ms": {"jitter_p99": JITTER_BOUND_MS, "tick_to_frame_p99": round(interval_ms, 3)},
        "max_sessions_at_30hz": max(held, default=None),
        # The largest count held, and whether a larger one was measured and failed.
        **ceiling({step.sessions: step.within(interval_ms) for step in steps}),
        "jitter_ms": {str(step.sessions): step.jitter_ms for step in steps},
        "tick_to_frame_ms": {str(step.sessions): step.tick_to_frame_ms for step in steps},
        "kafka_roundtrip_ms": floor,
        "steps": [{**asdict(step), "within_bounds": step.within(interval_ms)} for step in steps],
    }
