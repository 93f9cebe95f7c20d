"""``molt bench replay``: how fast runs are rebuilt from the log, beside the engines alone.

First the runs: ``--sessions`` sessions at a time are played for ``--seconds`` on one
``molt worker`` by the reference bots of ``molt.bench.load`` (both games alternate; a
run that ends is replaced at once), then the runs still going are abandoned and every
run's result awaited.

Then every run is replayed exactly as ``molt replay --all`` does (``RunLog.check``):
its command records read from Kafka and decoded, folded offline, its published frames
read and compared frame by frame, its result compared. Replay speed = session ticks
replayed / wall time, and × real time = that / the tick rate (30 Hz). Target:
≥ 1,000× real time.

The baseline, timed in the same run after the replay: the pure engines' ``step``
(``molt bench sim``'s figure) for as many ticks of each game as were replayed; the
mix's engine ticks/s is the total ticks over the time the engines take for them.

A scratch broker (unless ``MOLT_KAFKA_BOOTSTRAP`` names a cluster) and the worker are
started here and stopped on the way out (``molt.bench.services``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from molt.bench.bots import BotDriver
from molt.bench.load import LiveSessions
from molt.bench.services import EXIT_USAGE, bench_worker, interruptible, run_benchmark
from molt.bench.writer import CommandWriter
from molt.commands.bench_sim import bench_game
from molt.logreader import LogReader
from molt.runlog import RunLog
from molt.settings import TopicSettings, WorkerSettings
from streams.sim.registry import ENGINES

TARGET_X_REALTIME = 1_000
WORKER = "bench-replay-worker"
RESULTS_TIMEOUT_S = 60.0
# The engine baseline times at least this many ticks per game, so it is steady.
MIN_ENGINE_TICKS = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=40, help="sessions played at once (default 40)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long they are played (default 30)")
    parser.add_argument(
        "--partitions", type=int, default=TopicSettings().partitions,
        help="partitions of the session topics (default MOLT_TOPICS_PARTITIONS or 8)",
    )  # fmt: skip
    parser.add_argument("--run-dir", type=Path, help="keep the broker's and the worker's data and logs here")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")


def run(args: argparse.Namespace) -> int:
    if args.sessions <= 0 or args.seconds <= 0 or args.partitions <= 0:
        print("error: --sessions, --seconds and --partitions must be positive")
        return EXIT_USAGE
    report = run_benchmark(args.run_dir, "molt-bench-replay-", lambda root: _with_services(args, root))
    if isinstance(report, int):
        return report
    _print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _with_services(args: argparse.Namespace, root: Path) -> dict:
    with bench_worker(root, args.partitions, WORKER) as (bootstrap, _):
        return asyncio.run(interruptible(_measure(args, bootstrap)))


async def _measure(args: argparse.Namespace, bootstrap: str) -> dict:
    session_ids = await _play(args, bootstrap)
    async with LogReader(bootstrap) as reader:
        log = RunLog(reader, args.partitions)
        runs = await _results(log, session_ids)
        print(f"replaying {len(runs)} runs…", flush=True)
        began = time.perf_counter()
        checks = [check async for check in log.check(runs)]
        replay_s = time.perf_counter() - began
    ticks = Counter()
    for check in checks:
        ticks[check.result["game"]] += check.ticks_replayed
    total = sum(ticks.values())
    print("timing the engines alone…", flush=True)
    engine = {game: bench_game(ENGINES[game], max(n, MIN_ENGINE_TICKS))["ticks_per_s"] for game, n in ticks.items()}
    engine_s = sum(n / engine[game] for game, n in ticks.items())
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
        "engine_ticks_per_s": round(total / engine_s),
        "engine_x_realtime": round(total / engine_s / tick_rate),
        "engine_ticks_per_s_by_game": engine,
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
    print(f"\ntarget: ≥ {report['target_x_realtime']:,}× real time from the log ({report['tick_rate']} Hz)")
