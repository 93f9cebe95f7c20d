"""``molt bench runtime``: how many live sessions one worker process holds at 30 Hz.

For each N of ``--sessions`` (ascending; sessions carry over from one N to the next),
and by default on up by ``--climb`` while a step holds (``molt.bench.ladder``: the
report's ``ceiling`` is the largest N held, found when a larger one failed),
N sessions are kept live on one ``molt worker`` process, played over Kafka by the
reference bots of ``molt.bench.bots``; a run that ends is replaced at once. Before the
first N, its sessions play for ``--first-warmup`` seconds: a broker just started spends
its first minutes compiling itself (its JIT compiler thread alone took 34–42% of a core
in the first half minute, 2.5% after two), and the figures are the runtime's, not the
broker's start. After ``--warmup`` seconds, a window of ``--seconds`` is measured:

- tick start jitter: a Tick record's CreateTime minus its ``scheduledAtUs`` (when the
  runtime's ticker appended it to its producer's batch, against when it was due);
- tick-to-frame lag: the CreateTime of the FrameBatch of that tick minus the same
  ``scheduledAtUs`` (the whole tick: ticker, log, fold, engines, encoding, send);
- frames/s: session frames inside the window's FrameBatches; live sessions: frames per
  tick; inputs/s: InputReceived records the bots sent; runs ended/s: runs the bots saw
  end (each replaced by a new session: its opening, result, leaderboard entry and
  rewards are load too); skipped ticks: ticks due in the window that the ticker never
  sent;
- CPU: the worker process's user + system time over the window, in % of one core (and
  the same for this process, which plays every bot), and the same time per frame
  produced, in µs: what a frame costs each side, whatever N; and the worker's main
  thread alone (its event loop, which folds every partition: at 100% the worker is
  saturated, however many cores are free);
- the machine: how busy all its cores were over the window (the broker and everything
  else included; 100% = every core), and steal: the share of the cores' time the
  hypervisor ran other guests while this machine had work. A window with steal measured
  a slower machine than its neighbours.

CreateTime has millisecond resolution and is truncated; each figure takes the middle of
its millisecond, so it is within ±0.5 ms. Both clocks are this machine's. N holds when
p99 jitter ≤ 5 ms and p99 tick-to-frame lag ≤ one tick interval; the JSON names the
largest N that held. The floor under both is the raw aiokafka produce → consume round
trip on the same broker (``molt.bench.roundtrip``), measured first in the same run.

A scratch broker (unless ``MOLT_KAFKA_BOOTSTRAP`` names a cluster) and the worker are
started here and stopped on the way out, Ctrl-C and SIGTERM included. The worker gets
an app id of its own, so on a shared cluster it joins no other group; every other
consumer group folding session.commands would still add its own ticks and frames, and
a warning says so.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from typing import Any

from infra.settings import WorkerSettings
from molt.bench.harness import EXIT_USAGE, add_service_arguments, counts, run_with_worker
from molt.bench.ladder import Ladder, ceiling, ladder_option
from molt.bench.load import BatchTime, LiveSessions, TimedBotDriver, bots_playing
from molt.bench.roundtrip import roundtrip_ms
from molt.bench.stats import MachineCpu, main_thread_cpu_seconds, percentiles, tree_cpu_seconds
from molt.bench.ticks import TickTime, tick_times
from molt.stack import Worker
from streams.sessions.pacing import Schedule

DEFAULT_SESSIONS = "100,250,500,1000,1500"
# Past the listed counts, the default ladder climbs by this many sessions while a step
# holds, so a run reports the worker's ceiling rather than that 1,500 held.
DEFAULT_LADDER = Ladder(counts(DEFAULT_SESSIONS), climb=500, top=10_000)
JITTER_BOUND_MS = 5.0
WORKER = "bench-worker"
# The runtime names its ticker's producer after the worker (streams.sessions.agents).
TICKER_ID = f"{WORKER}:ticker"
# After a window, how long the frames of its last ticks may take to arrive.
SETTLE_TIMEOUT_S = 10.0
# Frames this close to their schedule show the worker folds the log's present.
CURRENT_MS = 1000.0
CATCH_UP_TIMEOUT_S = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sessions", type=counts, default=None, metavar="N,N,…",
        help=f"live session counts to try, ascending (default {DEFAULT_SESSIONS}, then on up by --climb)",
    )  # fmt: skip
    parser.add_argument(
        "--climb", type=int, default=None, metavar="N",
        help=f"past the last count, add N sessions while a step holds, up to {DEFAULT_LADDER.top:,} "
        f"(default {DEFAULT_LADDER.climb} without --sessions, else 0: the counts as given)",
    )  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per count (default 10)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before each window (default 5)")
    parser.add_argument(
        "--first-warmup", type=float, default=60.0, help="seconds of play before the first count's warm-up (default 60)"
    )
    parser.add_argument("--roundtrips", type=int, default=1000, help="Kafka round trips timed (default 1000)")
    add_service_arguments(parser)


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


def run(args: argparse.Namespace) -> int:
    if (
        args.seconds <= 0
        or min(args.warmup, args.first_warmup, args.climb or 0) < 0
        or args.roundtrips <= 0
        or args.partitions <= 0
    ):
        print("error: --seconds, --roundtrips and --partitions must be positive, the warm-ups and --climb not negative")
        return EXIT_USAGE

    def measure(bootstrap: str, worker: Worker) -> Coroutine[Any, Any, dict]:
        return _measure(args, bootstrap, worker.process.pid)

    return run_with_worker(args, "runtime", WORKER, measure, _print_table)


async def _measure(args: argparse.Namespace, bootstrap: str, worker_pid: int) -> dict:
    print(f"timing {args.roundtrips} Kafka round trips…", flush=True)
    floor = percentiles(await roundtrip_ms(bootstrap, args.roundtrips))
    tick_rate = WorkerSettings().tick_rate
    steps: list[Step] = []
    async with bots_playing(bootstrap, args.partitions) as (live, driver):
        ladder = ladder_option(args.sessions, args.climb, DEFAULT_LADDER)
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
    args: argparse.Namespace,
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


def _report(args: argparse.Namespace, tick_rate: int, floor: dict | None, steps: list[Step]) -> dict:
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


def _pair_us(step: dict) -> str:
    worker, bots = step["worker_us_per_frame"], step["bots_us_per_frame"]
    return "-" if worker is None or bots is None else f"{worker:.0f} / {bots:.0f}"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.0f}%"


def _print_table(report: dict) -> None:
    def pair(figures: dict | None) -> str:
        return "-" if figures is None else f"{figures['p50']:.1f} / {figures['p99']:.1f}"

    print(
        f"\n{'N':>6}{'live':>7}{'jitter ms p50/p99':>20}{'tick→frame ms p50/p99':>24}"
        f"{'frames/s':>10}{'inputs/s':>10}{'ended/s':>9}{'worker CPU':>12}{'loop':>6}{'bots CPU':>10}{'µs/frame w/b':>14}"
        f"{'machine':>9}{'steal':>7}{'skipped':>9}  held"
    )
    for step in report["steps"]:
        print(
            f"{step['sessions']:>6}{step['live_sessions']:>7}{pair(step['jitter_ms']):>20}"
            f"{pair(step['tick_to_frame_ms']):>24}{step['frames_per_s']:>10,}{step['inputs_per_s']:>10,}{step['runs_ended_per_s']:>9.1f}{step['worker_cpu_pct']:>11.0f}%"
            f"{step['worker_loop_cpu_pct']:>5.0f}%{step['bots_cpu_pct']:>9.0f}%{_pair_us(step):>14}{_pct(step['machine_busy_pct']):>9}{_pct(step['steal_pct']):>7}"
            f"{step['ticks_skipped']:>9}  {'yes' if step['within_bounds'] else 'no'}"
        )
    bounds = report["bounds_ms"]
    print("\nloop: the worker's main thread, which runs its event loop (at 100% the worker is saturated)")
    print(f"machine and steal: % of all {report['cores']} cores' time (steal: run by the hypervisor for other guests)")
    print(f"Kafka produce → consume round trip (the floor), ms p50/p99: {pair(report['kafka_roundtrip_ms'])}")
    print(
        f"largest N within p99 jitter ≤ {bounds['jitter_p99']:g} ms and p99 tick→frame ≤ "
        f"{bounds['tick_to_frame_p99']:g} ms: {report['max_sessions_at_30hz'] or 'none'}"
        f" ({'the ceiling: a larger N failed' if report['ceiling_found'] else 'no larger N failed: not a ceiling'})"
    )
