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
from collections.abc import Coroutine
from typing import Any

from molt.bench.harness import EXIT_USAGE, add_service_arguments, counts, run_with_worker
from molt.bench.ladder import Ladder, ceiling_words, ladder_option
from molt.bench.runtimeladder import WORKER, LadderOptions, measure_ladder
from molt.stack import Worker

DEFAULT_SESSIONS = "100,250,500,1000,1500"
# Past the listed counts, the default ladder climbs by this many sessions while a step
# holds, so a run reports the worker's ceiling rather than that 1,500 held.
DEFAULT_LADDER = Ladder(counts(DEFAULT_SESSIONS), climb=500, top=10_000)


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


def run(args: argparse.Namespace) -> int:
    if (
        args.seconds <= 0
        or min(args.warmup, args.first_warmup, args.climb or 0) < 0
        or args.roundtrips <= 0
        or args.partitions <= 0
    ):
        print("error: --seconds, --roundtrips and --partitions must be positive, the warm-ups and --climb not negative")
        return EXIT_USAGE

    options = LadderOptions(
        ladder=ladder_option(args.sessions, args.climb, DEFAULT_LADDER), seconds=args.seconds, warmup=args.warmup,
        first_warmup=args.first_warmup, roundtrips=args.roundtrips, partitions=args.partitions,
    )  # fmt: skip

    def measure(bootstrap: str, worker: Worker) -> Coroutine[Any, Any, dict]:
        return measure_ladder(bootstrap, worker.process.pid, options)

    return run_with_worker(args, "runtime", WORKER, measure, _print_table)


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
        f"{bounds['tick_to_frame_p99']:g} ms: {ceiling_words(report)}"
    )
