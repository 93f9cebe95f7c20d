"""``molt bench units``: the unit costs a capacity plan multiplies (docs/capacity.md).

One worker and one edge process run on a broker (scratch unless ``MOLT_KAFKA_BOOTSTRAP``
names a cluster). Each window is ``--seconds`` long, after ``--warmup``:

1. sessions: ``--base-sessions`` then ``--sessions`` live sessions played over Kafka by
   the reference bots (as ``molt bench runtime`` plays them), while the edge follows
   every frame as edges do. Each figure is the difference between the two windows per
   session played more (a frame is one session's tick), so what a process costs with no
   session (its base, reported apart) is not spread over the sessions:
   - worker µs per session tick: the worker's CPU, its clock process included;
   - edge µs per frame followed: the edge's CPU with nobody watching, what every edge
     pays for every frame of the cluster;
   - Kafka bytes per session-second: what the topics grew by on the broker's disk (as
     stored: compressed, one replica; ``molt.bench.logsize``), for session.commands,
     session.frames, the rest kept forever and the rest bounded (compacted or short
     retention). Only a scratch broker's disk can be read: on a cluster they are missing;
   - worker memory per 1,000 live sessions: its resident memory.
2. spectators: ``--spectators`` sockets watching ``--watched`` sessions whose frames
   ``molt.bench.frames`` feeds at the tick rate (as ``molt bench edge`` does):
   - edge µs per spectator frame: the edge's CPU with them watching minus its CPU over
     an equal window just before they came (the same frames followed), per frame
     delivered;
   - edge memory: resident memory with them minus before, per 1,000 spectators.

``molt.bench.capacity`` multiplies them out for ``--target-sessions`` and
``--target-spectators``. ``--quick`` shrinks every size not given, for a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import uvloop

from infra.settings import KafkaSettings, WorkerSettings
from molt.bench.capacity import Target, UnitCosts, plan
from molt.bench.delivery import Delivery, delivery
from molt.bench.frames import GAME as FRAME_FEED_GAME
from molt.bench.frames import FrameFeed
from molt.bench.harness import EXIT_USAGE, add_service_arguments, interruptible, run_benchmark, worker_stack
from molt.bench.load import LiveSessions, TimedBotDriver, bots_playing
from molt.bench.logsize import topic_bytes
from molt.bench.players import open_session
from molt.bench.receivers import ReceiverPool
from molt.bench.receivers import Target as SocketTarget
from molt.bench.seats import spectate_tokens
from molt.bench.stats import cpu_seconds, resident_bytes, tree_cpu_seconds
from molt.commands.bench_edge import EDGE_ENV
from molt.processes import ProcessFailed
from molt.sdk import MoltClient
from schemas.topics import ALL_TOPICS, KEEP_FOREVER, SESSION_COMMANDS, SESSION_FRAMES

WORKER = "bench-worker"
EDGE = "bench-edge"
# Sizes: (default, --quick). Quick sizes still give each difference enough to measure:
# CPU time is counted in 10 ms ticks, resident memory in pages.
SIZES = {
    "base_sessions": (100, 10),
    "sessions": (500, 100),
    "spectators": (1000, 200),
    "watched": (4, 2),
    "seconds": (20.0, 4.0),
    "warmup": (5.0, 2.0),
    "client_procs": (2, 1),
}
SEAT_CONCURRENCY = 16
# After a window, for the frames of its last ticks to reach the slowest spectator.
SETTLE_S = 0.5
MB = 1024 * 1024
KEPT_FOREVER = {spec.name for spec in ALL_TOPICS if spec.config == KEEP_FOREVER}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    helps = {
        "base_sessions": "live sessions of the memory baseline",
        "sessions": "live sessions measured",
        "spectators": "spectator sockets measured",
        "watched": "sessions the spectators are spread over",
        "seconds": "measured window of each phase, s",
        "warmup": "seconds before each window",
        "client_procs": "processes holding the spectator sockets",
    }
    for name, (default, quick) in SIZES.items():
        parser.add_argument(
            "--" + name.replace("_", "-"), type=type(default), default=None,
            help=f"{helps[name]} (default {default}, --quick {quick})",
        )  # fmt: skip
    target = Target()
    parser.add_argument("--target-sessions", type=int, default=target.sessions, help="the plan's live sessions")
    parser.add_argument("--target-spectators", type=int, default=target.spectators, help="the plan's spectators")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    add_service_arguments(parser, "the broker's, worker's and edge's")


def run(args: argparse.Namespace) -> int:
    for name, (default, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else default)
    sizes = [getattr(args, name) for name in [*SIZES, "partitions", "target_sessions", "target_spectators"]]
    if any(size <= 0 for size in sizes) or args.base_sessions >= args.sessions:
        print("error: every size must be positive, and --base-sessions below --sessions")
        return EXIT_USAGE
    return run_benchmark(args, "units", _with_services, _print_table)


@dataclass(frozen=True)
class _Pids:
    worker: int
    edge: int


def _with_services(args: argparse.Namespace, root: Path) -> dict:
    # Where the harness's scratch broker keeps its data (infra.localkafka, under root/kafka).
    data_dir = None if KafkaSettings().is_external else root / "kafka" / "data"
    with worker_stack(root, args.partitions, WORKER, EDGE_ENV) as (stack, worker):
        print("starting the edge…", flush=True)
        edge = stack.start_edge(EDGE)
        pids = _Pids(worker.process.pid, edge.process.pid)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(interruptible(_measure(args, stack.bootstrap, edge.url, pids, data_dir)))


async def _measure(args: argparse.Namespace, bootstrap: str, edge_url: str, pids: _Pids, data_dir: Path | None) -> dict:
    tick_rate = WorkerSettings().tick_rate
    sessions = await _sessions_phase(args, bootstrap, pids, data_dir, tick_rate)
    spectators = await _spectators_phase(args, bootstrap, edge_url, pids, tick_rate)
    units = UnitCosts(**sessions.pop("units"), **spectators.pop("units"))
    return {
        "tick_rate": tick_rate,
        "partitions": args.partitions,
        "cores": os.cpu_count(),
        "window_s": args.seconds,
        "units": asdict(units),
        "sessions_phase": sessions,
        "spectators_phase": spectators,
        "plan": plan(units, Target(sessions=args.target_sessions, spectators=args.target_spectators))
        if units.complete
        else None,
    }


@dataclass(frozen=True)
class _Window:
    """What the worker and the edge did over one window of the sessions phase, per second."""

    frames: float
    worker_cpu: float
    edge_cpu: float
    topics: dict[str, float]  # bytes the topics grew by
    worker_rss: int

    @classmethod
    async def measure(
        cls, live: LiveSessions, driver: TimedBotDriver, n: int, seconds: float, pids: _Pids, data_dir: Path | None
    ) -> _Window:
        driver.batches.clear()
        began = time.time(), tree_cpu_seconds(pids.worker), cpu_seconds(pids.edge), _topic_bytes(data_dir)
        await live.hold(n, seconds)
        ended = time.time(), tree_cpu_seconds(pids.worker), cpu_seconds(pids.edge), _topic_bytes(data_dir)
        window_s = ended[0] - began[0]
        return cls(
            frames=sum(batch.frames for batch in driver.batches) / window_s,
            worker_cpu=(ended[1] - began[1]) / window_s,
            edge_cpu=(ended[2] - began[2]) / window_s,
            topics={topic: grown / window_s for topic, grown in (ended[3] - began[3]).items()},
            worker_rss=resident_bytes(pids.worker),
        )


def _topic_bytes(data_dir: Path | None) -> Counter[str]:
    return topic_bytes(data_dir) if data_dir is not None else Counter()


async def _sessions_phase(
    args: argparse.Namespace, bootstrap: str, pids: _Pids, data_dir: Path | None, tick_rate: int
) -> dict:
    windows: list[_Window] = []
    async with bots_playing(bootstrap, args.partitions) as (live, driver):
        for n in (args.base_sessions, args.sessions):
            print(f"{n} sessions: warming up ({args.warmup:g} s), then measuring ({args.seconds:g} s)…", flush=True)
            await live.hold(n, args.warmup)
            windows.append(await _Window.measure(live, driver, n, args.seconds, pids, data_dir))
    base, loaded = windows
    # Every per-session figure is the difference between the two loads, per session
    # played more: what each more session costs, whatever a process costs with none.
    frames = loaded.frames - base.frames
    if frames <= 0:
        raise ProcessFailed(f"no more frames at {args.sessions} sessions than at {args.base_sessions}")
    worker_s_per_tick = (loaded.worker_cpu - base.worker_cpu) / frames
    edge_s_per_frame = (loaded.edge_cpu - base.edge_cpu) / frames
    sessions = frames / tick_rate
    mb_per_session = (loaded.worker_rss - base.worker_rss) / MB / sessions
    return {
        "units": {
            "worker_us_per_session_tick": round(worker_s_per_tick * 1e6, 2),
            "worker_base_cores": round(base.worker_cpu - base.frames * worker_s_per_tick, 3),
            "worker_mb_per_1000_sessions": round(mb_per_session * 1000, 1),
            "worker_base_mb": round(base.worker_rss / MB - base.frames / tick_rate * mb_per_session, 1),
            "edge_us_per_frame_followed": round(edge_s_per_frame * 1e6, 2),
            "edge_base_cores": round(base.edge_cpu - base.frames * edge_s_per_frame, 3),
            **_bytes_per_session_s(base, loaded, sessions, data_dir is not None),
        },
        "windows": [
            {"sessions": n, "live_sessions": round(w.frames / tick_rate), **asdict(w)}
            for n, w in zip((args.base_sessions, args.sessions), windows, strict=True)
        ],
    }


def _bytes_per_session_s(base: _Window, loaded: _Window, sessions: float, stored: bool) -> dict[str, float | None]:
    """What each more live session adds to the topics per second, by kind of topic (None: not stored here)."""
    kinds: dict[str, list[float]] = {name: [] for name in ("commands", "frames", "history", "bounded")}
    for topic in set(base.topics) | set(loaded.topics):
        if not topic.startswith("__"):  # the broker's own topics
            kinds[_kind(topic)].append(loaded.topics.get(topic, 0.0) - base.topics.get(topic, 0.0))
    return {
        f"{kind}_bytes_per_session_s": round(sum(grown) / sessions, 1) if stored else None
        for kind, grown in kinds.items()
    }


def _kind(topic: str) -> str:
    """commands, frames, history (the rest kept forever) or bounded (compacted, or kept a day at most)."""
    if topic == SESSION_COMMANDS.name:
        return "commands"
    if topic == SESSION_FRAMES.name:
        return "frames"
    return "history" if topic in KEPT_FOREVER else "bounded"


async def _spectators_phase(
    args: argparse.Namespace, bootstrap: str, edge_url: str, pids: _Pids, tick_rate: int
) -> dict:
    async with await MoltClient.register(edge_url, "bench-units") as client:
        # Sessions no player joins: they wait, never end, and grant seats like live ones.
        per_session = math.ceil(args.spectators / args.watched)
        watched = [await open_session(client, FRAME_FEED_GAME, spectators_max=per_session) for _ in range(args.watched)]
    async with FrameFeed(bootstrap, watched, tick_rate):
        print(f"{args.watched} sessions' frames, no spectators: measuring ({args.seconds:g} s)…", flush=True)
        await asyncio.sleep(args.warmup)  # the frames flow on their own: this is the warm-up's duration
        alone_cpu_s, _ = await _edge_cpu(pids.edge, args.seconds)
        before_rss = resident_bytes(pids.edge)
        pool = ReceiverPool(args.client_procs)
        try:
            print(f"seating and connecting {args.spectators} spectators…", flush=True)
            await _seat(pool, edge_url, watched, args.spectators)
            await asyncio.sleep(args.warmup)  # as above
            after_rss = resident_bytes(pids.edge)
            print(f"{args.spectators} spectators: measuring ({args.seconds:g} s)…", flush=True)
            await pool.record()
            watched_cpu_s, (t0, t1) = await _edge_cpu(pids.edge, args.seconds)
            await asyncio.sleep(SETTLE_S)
            seen = delivery(await pool.report(t0, t1), args.spectators, t0, t1, tick_rate)
        finally:
            await pool.aclose()
    if not seen.frames_per_s:
        raise ProcessFailed("the spectators received no frames in the window")
    window_s = t1 - t0
    spectator_cpu_s = watched_cpu_s - alone_cpu_s * window_s / args.seconds
    per_spectator_mb = (after_rss - before_rss) / MB / args.spectators
    return {
        "units": {
            "edge_us_per_spectator_frame": round(spectator_cpu_s * 1e6 / (seen.frames_per_s * window_s), 2),
            "edge_base_mb": round(before_rss / MB, 1),
            "edge_mb_per_1000_spectators": round(per_spectator_mb * 1000, 1),
            "spectator_frame_bytes": seen.mean_frame_bytes,
        },
        "delivery": _public(seen),
        "edge_cpu_pct": {
            "frames_alone": round(100 * alone_cpu_s / args.seconds, 1),
            "with_spectators": round(100 * watched_cpu_s / window_s, 1),
        },
        "edge_rss_mb": {"before": round(before_rss / MB, 1), "with_spectators": round(after_rss / MB, 1)},
    }


async def _edge_cpu(edge_pid: int, seconds: float) -> tuple[float, tuple[float, float]]:
    """The edge's CPU seconds over a window of ``seconds``, and the window (wall times)."""
    cpu0, t0 = cpu_seconds(edge_pid), time.time()
    await asyncio.sleep(seconds)  # the load runs on its own: this is the window's duration
    cpu1, t1 = cpu_seconds(edge_pid), time.time()
    return cpu1 - cpu0, (t0, t1)


async def _seat(pool: ReceiverPool, edge_url: str, watched: list[str], spectators: int) -> None:
    """Seat ``spectators`` over the ``watched`` sessions (i watches i mod len) and open their sockets."""
    targets: list[SocketTarget] = []
    for stream, session_id in enumerate(watched):
        count = len(range(stream, spectators, len(watched)))
        tokens, _ = await spectate_tokens(edge_url, FRAME_FEED_GAME, session_id, count, SEAT_CONCURRENCY)
        targets += [SocketTarget(body["wsUrl"], body["token"], stream) for body in tokens]
    opened, errors = await pool.connect(targets)
    if opened < len(targets):
        raise ProcessFailed(f"{len(targets) - opened} of {len(targets)} sockets failed to open: {errors}")


def _public(seen: Delivery) -> dict:
    return {**asdict(seen), "held": seen.held}


UNIT_LINES = (
    ("worker_us_per_session_tick", "µs", "worker CPU per session tick"),
    ("worker_base_cores", "cores", "worker CPU at no session"),
    ("worker_mb_per_1000_sessions", "MB", "worker memory per 1,000 live sessions"),
    ("worker_base_mb", "MB", "worker memory at no session"),
    ("edge_us_per_frame_followed", "µs", "edge CPU per frame of the cluster, followed"),
    ("edge_us_per_spectator_frame", "µs", "edge CPU per spectator frame"),
    ("edge_base_cores", "cores", "edge CPU at no frame and no spectator"),
    ("edge_mb_per_1000_spectators", "MB", "edge memory per 1,000 spectators"),
    ("edge_base_mb", "MB", "edge memory at no spectator"),
    ("spectator_frame_bytes", "B", "a spectator's frame message"),
    ("commands_bytes_per_session_s", "B", "session.commands per session-second (stored)"),
    ("frames_bytes_per_session_s", "B", "session.frames per session-second (stored)"),
    ("history_bytes_per_session_s", "B", "other topics kept forever, per session-second"),
    ("bounded_bytes_per_session_s", "B", "compacted and short-lived topics, per session-second"),
)


def _print_table(report: dict) -> None:
    units = report["units"]
    sessions, spectators = report["sessions_phase"], report["spectators_phase"]
    lives = " and ".join(str(window["live_sessions"]) for window in sessions["windows"])
    print(
        f"\nunit costs (between {lives} live sessions; "
        f"{spectators['delivery']['spectators']} spectators, {spectators['delivery']['frames_per_s']:,} frames/s)"
    )
    for name, unit, label in UNIT_LINES:
        value = units[name]
        print(f"  {label:<52}{'-' if value is None else f'{value:,.2f}':>12} {unit}")
    if report["plan"] is None:
        print("\nno plan: the Kafka figures need a scratch broker (MOLT_KAFKA_BOOTSTRAP unset)")
        return
    print("\nplan (molt.bench.capacity):")
    for name, value in report["plan"].items():
        if name not in ("target", "budget"):
            print(f"  {name:<40}{'-' if value is None else value}")
