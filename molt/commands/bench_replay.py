"""``molt bench replay``: how fast runs are rebuilt from the log, beside the engines alone.

First the runs: ``--sessions`` sessions at a time are played for ``--seconds`` on one
``molt worker`` by the reference bots of ``molt.bench.load`` (both games alternate; a
run that ends is replaced at once), then the runs still going are abandoned and every
run's result awaited.

Then every run is replayed exactly as ``molt replay --all`` does (``RunLog.check`` with
a process per core): its command records read from Kafka and decoded, folded offline,
its published frames read and compared frame by frame, its result compared. Replay speed = session ticks
replayed / wall time, and × real time = that / the tick rate (30 Hz). Target:
≥ 1,000× real time.

The baselines, timed in the same run after the replay (``molt bench sim``'s two
figures) for as many ticks of each game as were replayed: the pure engines' ``step``,
and ``step`` plus the client frame as JSON, which a replay builds for every tick to
compare it; the mix's ticks/s is the total ticks over the time the engines take.

A scratch broker (unless ``MOLT_KAFKA_BOOTSTRAP`` names a cluster) and the worker are
started here and stopped on the way out (``molt.bench.harness``).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Coroutine
from typing import Any

from infra.logreader import LogReader
from infra.runlog import RunLog
from infra.settings import WorkerSettings
from molt.bench.bots import BotDriver
from molt.bench.harness import EXIT_USAGE, add_service_arguments, run_with_worker
from molt.bench.load import LiveSessions
from molt.bench.writer import CommandWriter
from molt.commands.bench_sim import bench_game
from molt.runcheck import check_runs, replay_pool
from molt.stack import Worker
from streams.sim.registry import ENGINES

TARGET_X_REALTIME = 1_000
WORKER = "bench-replay-worker"
RESULTS_TIMEOUT_S = 60.0
# The engine baseline times at least this many ticks per game, so it is steady.
MIN_ENGINE_TICKS = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=40, help="sessions played at once (default 40)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long they are played (default 30)")
    add_service_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.sessions <= 0 or args.seconds <= 0 or args.partitions <= 0:
        print("error: --sessions, --seconds and --partitions must be positive")
        return EXIT_USAGE

    def measure(bootstrap: str, _: Worker) -> Coroutine[Any, Any, dict]:
        return _measure(args, bootstrap)

    return run_with_worker(args, "replay", WORKER, measure, _print_table)


async def _measure(args: argparse.Namespace, bootstrap: str) -> dict:
    session_ids = await _play(args, bootstrap)
    async with LogReader(bootstrap) as reader:
        log = RunLog(reader, args.partitions)
        runs = await _results(log, session_ids)
        print(f"replaying {len(runs)} runs…", flush=True)
        with replay_pool() as pool:
            began = time.perf_counter()
            checks = [check async for check in check_runs(log, runs, pool)]
            replay_s = time.perf_counter() - began
    ticks: Counter[str] = Counter()
    for check in checks:
        ticks[check.result["game"]] += check.ticks_replayed
    total = sum(ticks.values())
    print("timing the engines alone…", flush=True)
    engine = {game: bench_game(ENGINES[game], max(n, MIN_ENGINE_TICKS)) for game, n in ticks.items()}

    def mix_per_s(figure: str) -> float:
        """Ticks/s of the engines over the replayed mix of games."""
        return total / sum(n / engine[game][figure] for game, n in ticks.items())

    tick_rate = WorkerSettings().tick_rate
    replay_per_s = total / replay_s
    return {
        "tick_rate": tick_rate,
        "partitions": args.partitions,
        "sessions_at_once": args.sessions,
        "runs": len(checks),
        "runs_matched": sum(check.matched for check in checks),
        "ticks": total,
        "ticks_by_game": dict(ticks),
        "frames_compared": sum(check.frames_published for check in checks),
        "replay_seconds": round(replay_s, 3),
        "replay_ticks_per_s": round(replay_per_s),
        "replay_x_realtime": round(replay_per_s / tick_rate),
        "engine_ticks_per_s": round(mix_per_s("ticks_per_s")),
        "engine_x_realtime": round(mix_per_s("ticks_per_s") / tick_rate),
        "engine_with_frames_ticks_per_s": round(mix_per_s("ticks_per_s_with_frames")),
        "engine_by_game": engine,
        "target_x_realtime": TARGET_X_REALTIME,
    }


async def _play(args: argparse.Namespace, bootstrap: str) -> list[str]:
    """Play runs for ``--seconds``; returns every session opened."""
    async with CommandWriter(bootstrap, producer_id="bench:bots") as writer:
        driver = BotDriver(writer, bootstrap, args.partitions)
        await driver.start()
        try:
            live = LiveSessions(writer, driver)
            print(f"playing {args.sessions} sessions at a time for {args.seconds:g} s…", flush=True)
            await live.hold(args.sessions, args.seconds)
            await live.abandon_all()
        finally:
            await driver.stop()
    return live.session_ids()


async def _results(log: RunLog, session_ids: list[str]) -> list[list]:
    """Every session's published results, once all are in."""
    deadline = time.monotonic() + RESULTS_TIMEOUT_S
    while True:
        published = await log.results()
        missing = [sid for sid in session_ids if sid not in published]
        if not missing:
            return [published[sid] for sid in session_ids]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(missing)} runs have no result after {RESULTS_TIMEOUT_S:g} s")
        await asyncio.sleep(0.5)  # the worker publishes them: no event to await from here


def _print_table(report: dict) -> None:
    print(
        f"\n{report['runs']} runs ({report['runs_matched']} matched), {report['ticks']:,} ticks, "
        f"{report['frames_compared']:,} frames compared, in {report['replay_seconds']:g} s\n"
    )
    print(f"{'':<22}{'ticks/s':>12}{'× real time':>14}")
    print(f"{'replay from Kafka':<22}{report['replay_ticks_per_s']:>12,}{report['replay_x_realtime']:>14,}")
    print(f"{'engines alone':<22}{report['engine_ticks_per_s']:>12,}{report['engine_x_realtime']:>14,}")
    frames = report["engine_with_frames_ticks_per_s"]
    print(f"{'engines + frame JSON':<22}{frames:>12,}{round(frames / report['tick_rate']):>14,}")
    print(f"\ntarget: ≥ {report['target_x_realtime']:,}× real time from the log ({report['tick_rate']} Hz)")
