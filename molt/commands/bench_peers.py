"""``molt bench peers``: our stack and a Colyseus server, side by side, running Flappy Bots.

The same game on the same machine, one stack after the other: first the Colyseus peer
(``peers/colyseus``: one Node.js process running the game's rooms and their sockets),
then ours on the durable path (a broker, one worker, one edge). Each is measured the
same way, by the same code (``molt.bench.sidebyside``) with clients of the same design:
players in processes of their own playing the reference bot, spectators as minimal
WebSocket clients in processes of their own that read only each update's tick.

1. spectator fan-out: N of ``--spectators`` watch one live session for ``--seconds``
   after ``--warmup``: deliveries/s, the server's CPU per delivered update, bytes per
   spectator-second, and the largest N held (``molt.bench.delivery``). The session is
   always live: a Colyseus room that plays its own run (``autoplay``), and on ours a
   session whose frames (the reference bot's Flappy Bots run) are fed to the edge in
   the worker's stead (``molt.bench.frames``); the server measured is the process
   that fans out (Colyseus's, our edge). Resident memory per 1,000 spectators: the
   server's growth from none to the largest N.
2. input → state: ``--sessions`` live runs played by bots, each input timed from send
   to the first state that covers it; resident memory per 1,000 sessions: the
   servers' growth (ours: worker and edge) from none to these sessions.
3. sessions held at 30 Hz, for each N of ``--ladder``: on Colyseus, N rooms played by
   bots, the lag of every tick from its due time to its patch handed to the sockets; on
   ours, ``molt bench runtime``'s ladder on the same worker (bots over Kafka, both
   games, tick → frame lag and tick jitter). Largest N with p99 lag ≤ one tick. The
   Kafka produce → consume round trip is measured beside it.

``--quick`` shrinks every size not given explicitly, for a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import uvloop

from infra.settings import EdgeSettings, WorkerSettings
from molt.bench.colyseus import ColyseusServer
from molt.bench.colyseusclients import ColyseusPlayers, ColyseusReceivers
from molt.bench.delivery import HELD_DELAY_MS, HELD_DELIVERED
from molt.bench.frames import FrameFeed
from molt.bench.harness import EXIT_USAGE, add_service_arguments, counts, interruptible, run_benchmark, worker_stack
from molt.bench.http1 import HttpError
from molt.bench.ladder import Ladder
from molt.bench.playerpool import PlayerPool
from molt.bench.players import open_session
from molt.bench.receivers import ReceiverPool, Target
from molt.bench.runtimeladder import JITTER_BOUND_MS, WORKER, LadderOptions, measure_ladder
from molt.bench.seats import SeatRefused, spectate_tokens
from molt.bench.sidebyside import fanout_window, input_window, rss_mb
from molt.bench.stats import cpu_seconds, percentiles
from molt.commands.bench_edge import EDGE_ENV
from molt.sdk import MoltClient
from streams.sim.bots import flappy_policy
from streams.sim.registry import ENGINES
from streams.sim.replay import record, replay

GAME = "flappy-bots"
EDGE = "bench-edge"
# The spectated run: the reference bot plays this seed to the run's maximum length.
SPECTATED_SEED = 3
FEED_TICKS = 300
LIVE_TIMEOUT_S = 60.0
SEAT_CONCURRENCY = 16
# Sizes: (default, --quick).
SIZES: dict[str, tuple[Any, Any]] = {
    "spectators": ("250,500,1000,2000", "4,8"),
    "sessions": (100, 4),
    "ladder": ("100,250,500,1000", "4,8"),
    "seconds": (8.0, 2.0),
    "warmup": (3.0, 1.0),
    "first_warmup": (20.0, 1.0),
    "client_procs": (4, 1),
    "player_procs": (4, 1),
    "roundtrips": (500, 20),
}
LISTS = ("spectators", "ladder")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    helps = {
        "spectators": "spectators of one session to try, ascending",
        "sessions": "live sessions timed for input → state",
        "ladder": "live session counts to try for sessions held, ascending",
        "seconds": "measured window of each figure, s",
        "warmup": "seconds before each window",
        "first_warmup": "seconds our broker and worker play before the first ladder step",
        "client_procs": "processes holding the spectators",
        "player_procs": "processes holding the players",
        "roundtrips": "raw Kafka round trips timed",
    }
    for name, (default, quick) in SIZES.items():
        parser.add_argument(
            "--" + name.replace("_", "-"), type=counts if name in LISTS else type(default), default=None,
            help=f"{helps[name]} (default {default}, --quick {quick})",
        )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    add_service_arguments(parser, "the broker's, worker's, edge's and Colyseus server's")


def run(args: argparse.Namespace) -> int:
    for name, (default, quick) in SIZES.items():
        if getattr(args, name) is None:
            value = quick if args.quick else default
            setattr(args, name, counts(value) if name in LISTS else value)
    scalars = [name for name in SIZES if name not in LISTS]
    if any(getattr(args, name) < 0 for name in scalars) or min(args.seconds, args.partitions) <= 0:
        print("error: every size must be positive, the warm-ups not negative")
        return EXIT_USAGE
    return run_benchmark(args, "peers", _measure, _print_table)


def _measure(args: argparse.Namespace, root: Path) -> dict:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        colyseus = runner.run(interruptible(_colyseus(args, root / "colyseus")))
    ours = _ours(args, root / "ours")
    return {
        "tick_rate": WorkerSettings().tick_rate,
        "window_s": args.seconds,
        "warmup_s": args.warmup,
        "held_bounds": {"delivered": HELD_DELIVERED, "delay_p99_ms": HELD_DELAY_MS},
        "colyseus": colyseus,
        "ours": ours,
    }


async def _colyseus(args: argparse.Namespace, root: Path) -> dict:
    tick_rate = WorkerSettings().tick_rate
    with ColyseusServer(root / "fanout.log") as server:
        print("colyseus: one room playing itself…", flush=True)
        room = await server.autoplay(SPECTATED_SEED, args.spectators[-1])
        before = rss_mb([server.pid])
        steps, stopped = [], None
        async with ColyseusReceivers(args.client_procs, root) as receivers:
            connected = 0
            for n in args.spectators:
                print(f"colyseus fan-out N={n}: connecting {n - connected} spectators…", flush=True)
                opened = await receivers.connect(server.url, [(room, 0)] * (n - connected))
                if stopped := _short(n, *opened, n - connected):
                    break
                connected = n
                steps.append(await fanout_window(receivers, n, server.pid, tick_rate, args.warmup, args.seconds))
                _print_step("colyseus", steps[-1])
    with ColyseusServer(root / "input.log") as server:
        async with ColyseusPlayers(args.player_procs, root) as players:
            before_sessions = rss_mb([server.pid])
            print(f"colyseus input → state: {args.sessions} players…", flush=True)
            live = await players.play(server.url, list(range(args.sessions)), LIVE_TIMEOUT_S)
            inputs = {**await input_window(players, [server.pid], args.warmup, args.seconds), "live_at_start": live}
            during = rss_mb([server.pid])
    with ColyseusServer(root / "ladder.log") as server:
        ladder = await _colyseus_ladder(args, root, server, tick_rate)
    return _side(steps, stopped, before, inputs, during - before_sessions, args.sessions, ladder)


async def _colyseus_ladder(args: argparse.Namespace, root: Path, server: ColyseusServer, tick_rate: int) -> dict:
    bound_ms = 1000 / tick_rate
    steps = []
    async with ColyseusPlayers(args.player_procs, root) as players:
        playing = 0
        for n in args.ladder:
            print(f"colyseus sessions N={n}: starting {n - playing} players…", flush=True)
            live = await players.play(server.url, list(range(playing, n)), LIVE_TIMEOUT_S)
            playing = n
            await asyncio.sleep(args.warmup)  # the players play on their own: this is the warm-up's duration
            await server.open_window()
            cpu0 = cpu_seconds(server.pid)
            await asyncio.sleep(args.seconds)
            cpu_pct = round(100 * (cpu_seconds(server.pid) - cpu0) / args.seconds, 1)
            lags = await server.close_window()
            lag = percentiles(lags)
            held = lag is not None and lag["p99"] <= bound_ms
            steps.append({"sessions": n, "live": live, "tick_lag_ms": lag, "ticks": len(lags),
                          "server_cpu_pct": cpu_pct, "held": held})  # fmt: skip
            print(f"colyseus sessions N={n}: tick lag ms p50/p99 {_pair(lag)}, CPU {cpu_pct:.0f}%", flush=True)
            if not held:
                break  # a larger N holds no better on the same process
    held_n = max((step["sessions"] for step in steps if step["held"]), default=None)
    return {"max_sessions_at_30hz": held_n, "steps": steps, "kafka_roundtrip_ms": None}


def _ours(args: argparse.Namespace, root: Path) -> dict:
    tick_rate = WorkerSettings().tick_rate
    limit = max(EdgeSettings().spectators_max_limit, args.spectators[-1])
    env = {**EDGE_ENV, "MOLT_EDGE_SPECTATORS_MAX_LIMIT": str(limit)}
    with worker_stack(root, args.partitions, WORKER, env) as (stack, worker):
        print("starting the edge…", flush=True)
        edge = stack.start_edge(EDGE)
        pids = [worker.process.pid, edge.process.pid]

        async def measure() -> dict:
            async with await MoltClient.register(edge.url, "bench-peers") as client:
                session = await open_session(client, GAME, spectators_max=args.spectators[-1])
                before = rss_mb([edge.process.pid])
                feed = FrameFeed(stack.bootstrap, [session], tick_rate)
                feed.frames = _flappy_frames()  # the spectated game's frames, not the feed's default game's
                async with feed:
                    steps, stopped = await _ours_fanout(args, edge.url, session, edge.process.pid, tick_rate)
                before_sessions = rss_mb(pids)
                pool = PlayerPool(args.player_procs)
                try:
                    assert client.api_key is not None
                    print(f"ours input → state: {args.sessions} players…", flush=True)
                    players = [(GAME, seed) for seed in range(args.sessions)]
                    live = await pool.play(edge.url, client.api_key, players, LIVE_TIMEOUT_S)
                    inputs = {**await input_window(pool, pids, args.warmup, args.seconds), "live_at_start": live}
                    during = rss_mb(pids)
                finally:
                    await pool.aclose()
            runtime = LadderOptions(
                ladder=Ladder(args.ladder),  # as given, no climbing: it is measured beside Colyseus's
                seconds=args.seconds, warmup=args.warmup, first_warmup=args.first_warmup,
                roundtrips=args.roundtrips, partitions=args.partitions,
            )  # fmt: skip
            ladder = await measure_ladder(stack.bootstrap, worker.process.pid, runtime)
            return _side(steps, stopped, before, inputs, during - before_sessions, args.sessions, ladder)

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(interruptible(measure()))


async def _ours_fanout(
    args: argparse.Namespace, edge_url: str, session: str, edge_pid: int, tick_rate: int
) -> tuple[list[dict], str | None]:
    steps, stopped = [], None
    pool = ReceiverPool(args.client_procs)
    try:
        connected = 0
        for n in args.spectators:
            print(f"ours fan-out N={n}: seating and connecting {n - connected} spectators…", flush=True)
            try:
                tokens, _ = await spectate_tokens(edge_url, GAME, session, n - connected, SEAT_CONCURRENCY)
            except (SeatRefused, HttpError) as exc:  # an edge too loaded to seat them in time
                stopped = _short(n, 0, [str(exc)], n - connected)
                break
            opened = await pool.connect([Target(body["wsUrl"], body["token"], 0) for body in tokens])
            if stopped := _short(n, *opened, n - connected):
                break
            connected = n
            steps.append(await fanout_window(pool, n, edge_pid, tick_rate, args.warmup, args.seconds))
            _print_step("ours", steps[-1])
    finally:
        await pool.aclose()
    return steps, stopped


def _flappy_frames() -> list[str]:
    engine = ENGINES[GAME]
    inputs = record(engine, SPECTATED_SEED, flappy_policy, FEED_TICKS)
    return [engine.frame_json(step.state) for step in replay(engine, SPECTATED_SEED, inputs)]


def _short(n: int, opened: int, errors: list[str], wanted: int) -> str | None:
    """Why N could not be reached, when fewer than ``wanted`` new spectators opened: the
    ladder stops there (a loaded machine), and the smaller N stand."""
    if opened >= wanted:
        return None
    reason = f"N={n}: {wanted - opened} of {wanted} new spectators failed to open: {errors[:2]}"
    print(f"warning: {reason}; the fan-out ladder stops there", flush=True)
    return reason


def _side(
    fanout: list[dict],
    stopped: str | None,
    rss_before: float,
    inputs: dict,
    sessions_mb: float,
    sessions: int,
    ladder: dict,
) -> dict:
    """One stack's figures, under the same keys for both."""
    largest = fanout[-1]
    # Bytes per spectator-second where (nearly) every update arrived: a starved step
    # would show the loss, not the wire format.
    steady = max((step for step in fanout if step["delivered"] >= HELD_DELIVERED),
                 key=lambda step: step["spectators"], default=largest)  # fmt: skip
    return {
        "input_to_state_ms": inputs["latency_ms"],
        "input_to_state": inputs,
        "max_sessions_at_30hz": ladder["max_sessions_at_30hz"],
        "sessions_ladder": ladder["steps"],
        "kafka_roundtrip_ms": ladder["kafka_roundtrip_ms"],
        "spectators_held": max((step["spectators"] for step in fanout if step["held"]), default=None),
        "fanout": fanout,
        "fanout_stopped_early": stopped,
        "bytes_measured_at_spectators": steady["spectators"],
        "payload_bytes_per_spectator_s": steady["payload_bytes_per_spectator_s"],
        "server_written_bytes_per_spectator_s": steady["server_written_bytes_per_spectator_s"],
        "rss_mb_per_1000_sessions": round(1000 * sessions_mb / sessions, 1),
        "rss_mb_per_1000_spectators": round(1000 * (largest["server_rss_mb"] - rss_before) / largest["spectators"], 1),
    }


def _pair(figures: dict | None) -> str:
    return "-" if figures is None else f"{figures['p50']:.1f} / {figures['p99']:.1f}"


def _print_step(side: str, step: dict) -> None:
    print(
        f"{side} fan-out N={step['spectators']}: {step['frames_per_s']:,} updates/s, {step['delivered']:.1%} "
        f"delivered, delay ms p50/p99 {_pair(step['delay_ms'])}, server CPU {step['server_cpu_pct']:.0f}%",
        flush=True,
    )


def _print_table(report: dict) -> None:
    ours, theirs = report["ours"], report["colyseus"]
    print(f"\n{'figure':<40}{'ours (Kafka+worker+edge)':>26}{'Colyseus 0.18':>16}")

    def row(label: str, key: str, show=str) -> None:
        print(f"{label:<40}{show(ours[key]):>26}{show(theirs[key]):>16}")

    row("input → state ms p50/p99", "input_to_state_ms", _pair)
    print(f"{'  Kafka round trip ms p50/p99':<40}{_pair(ours['kafka_roundtrip_ms']):>26}{'-':>16}")
    row("sessions held at 30 Hz", "max_sessions_at_30hz", lambda n: str(n or "none"))
    row("spectators held", "spectators_held", lambda n: str(n or "none"))
    row("payload bytes / spectator-s", "payload_bytes_per_spectator_s", lambda n: f"{n:,}")
    row("server bytes written / spectator-s", "server_written_bytes_per_spectator_s", lambda n: f"{n:,}")
    row("RSS MB / 1,000 sessions", "rss_mb_per_1000_sessions", lambda n: f"{n:g}")
    row("RSS MB / 1,000 spectators", "rss_mb_per_1000_spectators", lambda n: f"{n:g}")
    print(
        f"\n{'N':>6}  {'side':<9}{'updates/s':>10}{'deliv.':>8}{'delay ms p50/p99':>18}{'CPU':>6}{'µs/upd.':>9}{'B/upd.':>8}  held"
    )
    for mine, peer in zip(ours["fanout"], theirs["fanout"], strict=False):
        for side, step in (("ours", mine), ("colyseus", peer)):
            print(
                f"{step['spectators']:>6}  {side:<9}{step['frames_per_s']:>10,}{step['delivered']:>8.1%}"
                f"{_pair(step['delay_ms']):>18}{step['server_cpu_pct']:>5.0f}%{step['server_cpu_us_per_update'] or 0:>9.1f}"
                f"{step['mean_frame_bytes']:>8}  {'yes' if step['held'] else 'no'}"
            )
    for side in ("ours", "colyseus"):
        if report[side]["fanout_stopped_early"]:
            print(f"{side}: fan-out stopped early at {report[side]['fanout_stopped_early']}")
    bounds = report["held_bounds"]
    print(
        f"\nheld: ≥ {bounds['delivered']:.0%} delivered and p99 delay ≤ {bounds['delay_p99_ms']:g} ms; "
        f"sessions: p99 tick lag ≤ one tick (ours also p99 tick jitter ≤ {JITTER_BOUND_MS:g} ms)"
    )
