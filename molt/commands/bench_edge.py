"""``molt bench edge``: input latency, spectator fan-out and seat decisions of one edge process.

One worker and one edge process run on a broker (scratch unless ``MOLT_KAFKA_BOOTSTRAP``
names a cluster); each figure is measured beside its baseline in the same run:

1. input → frame: ``--sessions`` live sessions played at 30 Hz by reference bots through
   the SDK, each timing every input from send to the first frame whose ``lastInputSeq``
   covers it (``molt.bench.players``). The players are spread over ``--player-procs``
   processes (``molt.bench.playerpool``), as a fleet of bots is over machines. Beside it,
   the raw aiokafka produce → consume round trip on the same broker
   (``molt.bench.roundtrip``), the floor under any Kafka path.
2. seat decisions: ``--seat-requests`` public spectate-token requests, one after another,
   for new viewers of one session: request → granted token (``molt.bench.seats``), beside
   the same number of GET /healthz round trips (``http_floor_ms``: the HTTP part of it).
   The tokens of the fan-out's spectators below are asked ``--seat-concurrency`` at a
   time, which gives the same figure under moderate concurrency (and while the edge
   fans frames out to the spectators already seated). Then the sequential tokens are
   claimed one after another: socket opened → ``welcome`` (``claim_to_welcome_ms``,
   which includes the owner accepting the occupancy).
3. fan-out: for each N of ``--spectators`` (ascending; spectators carry over), and by
   default on up by ``--climb`` while a step holds (``molt.bench.ladder``: the report's
   ``ceiling`` is the largest N held, and ``ceiling_found`` says whether a larger one
   failed), N spectate sockets spread over ``--watched`` sessions receive frames from
   the edge for ``--seconds`` after ``--warmup``; then, at each N the edge reached, the
   same N plain sockets receive frames of the same size at the same rate from a bare
   ``websockets`` broadcast server on this machine (``molt.bench.broadcast``). The
   frames of the sessions watched are fed to the edge at the tick rate by
   ``molt.bench.frames`` in the worker's stead: a bot's run may end at any time (and
   does within seconds on a loaded machine), and the figure is the edge's alone. The
   receivers are minimal WebSocket clients in ``--client-procs`` processes of their own
   (``molt.bench.receivers``), whose CPU is reported so a reader sees who limited.
   Figures and the bounds for "held" are in ``molt.bench.delivery``; ``fanout_ratio``
   compares the edge and the bare server at the largest N both reached. When a worker
   is too loaded to decide seats in time, or the edge to open sockets, the ladder stops
   at the N it could not reach, which counts as a step that failed, and the JSON says
   so in ``fanout_stopped_early``.

They run in the order 3, 2, 1. Seating the fan-out's spectators warms the broker, the
worker and the edge up: on a broker just started, sequential seat decisions took about
twice as long for the first ten seconds (p50 18 ms, then 9 ms once warm). Input → frame
and its Kafka floor come last: a worker that cannot keep up with the sessions of 1 falls
behind on the whole log, and every seat decision after that would wait for it.
``--quick`` shrinks every size not given explicitly, for a smoke test, and does not
climb unless ``--climb`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.ws.messages import FRAME_TEMPLATE
from infra.settings import EdgeSettings, WorkerSettings
from molt.bench.broadcast import BroadcastServer
from molt.bench.delivery import HELD_DELAY_MS, HELD_DELIVERED, Delivery, delivery
from molt.bench.frames import GAME as FRAME_FEED_GAME
from molt.bench.frames import FrameFeed
from molt.bench.harness import EXIT_USAGE, add_service_arguments, counts, interruptible, run_benchmark, worker_stack
from molt.bench.ladder import Ladder, ceiling, ceiling_words, ladder_option
from molt.bench.playerpool import PlayerPool
from molt.bench.players import open_session
from molt.bench.receivers import ReceiverPool, Target
from molt.bench.roundtrip import roundtrip_ms
from molt.bench.seats import SeatRefused, claims_to_welcome, http_floor, spectate_tokens
from molt.bench.stats import cpu_seconds, percentiles, tree_cpu_seconds
from molt.processes import ProcessFailed
from molt.sdk import MoltClient
from streams.sim.registry import ENGINES

WORKER = "bench-worker"
EDGE = "bench-edge"
# Sizes: (default, --quick).
SIZES: dict[str, tuple[Any, Any]] = {
    "sessions": (100, 6),
    "spectators": ("250,500,1000,2000", "4,8"),
    "watched": (4, 2),
    "seconds": (8.0, 3.0),
    "warmup": (3.0, 1.0),
    "input_warmup": (15.0, 1.0),
    "seat_requests": (200, 20),
    "seat_concurrency": (16, 4),
    "client_procs": (4, 2),
    "player_procs": (4, 2),
    "roundtrips": (500, 50),
}
# Past the listed counts, the default ladder climbs by this many spectators while a step
# holds, so a run reports the edge's ceiling rather than that 2,000 held. The top stays
# under the 20,000 open files a process may have on the machine of docs/benchmarks.md
# (ulimit -n): the edge holds a socket per spectator, and a step must fail for want of
# capacity, not of file descriptors.
CLIMB = 1000
TOP = 16_000
WATCHED_GAME = FRAME_FEED_GAME
LIVE_TIMEOUT_S = 60.0
# After a window, for the frames of its last ticks to reach the slowest spectator.
SETTLE_S = 0.5
# Public spectate tokens are rate limited, and seats bounded, per client address; the
# bench is one address. Seating thousands of spectators may take minutes on a loaded
# machine: their tokens and unclaimed seats must outlive it. Sessions that wait for
# their player (the ones spectated here) wait all through the bench.
EDGE_ENV = {
    "MOLT_EDGE_PUBLIC_TOKEN_BURST": "1000000",
    "MOLT_EDGE_PUBLIC_TOKEN_PER_S": "1000000",
    "MOLT_EDGE_SEATS_PER_CLIENT_SESSION": "1000000",
    "MOLT_EDGE_SEATS_PER_CLIENT_TOTAL": "1000000",
    "MOLT_EDGE_SEAT_CLAIM_S": "3600",
    "MOLT_EDGE_TOKEN_TTL_S": "3600",
    "MOLT_EDGE_WAITING_EXPIRY_S": "3600",
    # One agent plays and opens every session of the bench; every socket is one address.
    "MOLT_EDGE_OPEN_SESSIONS_PER_AGENT": "1000000",
    "MOLT_EDGE_MAX_SOCKETS_PER_CLIENT": "1000000",
    "MOLT_EDGE_MAX_SOCKETS": "1000000",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    def size(name: str, kind: Callable[[str], object], help_text: str) -> None:
        default, quick = SIZES[name]
        parser.add_argument(
            "--" + name.replace("_", "-"), type=kind, default=None,
            help=f"{help_text} (default {default}, --quick {quick})",
        )  # fmt: skip

    size("sessions", int, "live sessions played through the SDK for input → frame")
    size("spectators", counts, "spectator counts to try, ascending; the default climbs on by --climb")
    size("watched", int, "sessions the spectators are spread over")
    size("seconds", float, "measured window of each figure, s")
    size("warmup", float, "seconds before each fan-out window")
    size("input_warmup", float, "seconds of play before the input → frame window")
    size("seat_requests", int, "spectate-token requests timed one after another")
    size("seat_concurrency", int, "spectate-token requests in flight while seating the spectators")
    size("client_procs", int, "processes holding the spectator sockets")
    size("player_procs", int, "processes the input → frame players are spread over")
    size("roundtrips", int, "raw Kafka round trips timed")
    parser.add_argument(
        "--climb", type=int, default=None, metavar="N",
        help=f"past the last spectator count, add N spectators while a step holds, up to {TOP:,} "
        f"(default {CLIMB} without --spectators or --quick, else 0: the counts as given)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    add_service_arguments(parser, "the broker's, worker's and edge's")


def run(args: argparse.Namespace) -> int:
    # The spectator counts become a ladder: whether they were given decides its climb.
    args.ladder = spectator_ladder(args)
    for name, (default, quick) in SIZES.items():
        if getattr(args, name) is None and name != "spectators":
            setattr(args, name, quick if args.quick else default)
    warmups = ("warmup", "input_warmup")
    positive = [name for name in SIZES if name != "spectators" and name not in warmups]
    if any(getattr(args, name) <= 0 for name in [*positive, "partitions"]) or any(
        (getattr(args, name) or 0) < 0 for name in [*warmups, "climb"]
    ):
        print("error: every size must be positive, the warm-ups and --climb not negative")
        return EXIT_USAGE
    return run_benchmark(args, "edge", _with_services, _print_table)


def spectator_ladder(args: argparse.Namespace) -> Ladder:
    """The fan-out's ladder: ``--spectators`` (or the default counts, ``--quick``'s for a
    smoke test), climbing as ``ladder_option`` says; ``--quick``'s only with ``--climb``."""
    default, quick = SIZES["spectators"]
    rungs = counts(quick if args.quick else default)
    return ladder_option(args.spectators, args.climb, Ladder(rungs, 0 if args.quick else CLIMB, TOP))


def _with_services(args: argparse.Namespace, root: Path) -> dict:
    seats_per_session = math.ceil(args.ladder.highest / args.watched)
    limit = max(EdgeSettings().spectators_max_limit, seats_per_session, args.seat_requests)
    env = {**EDGE_ENV, "MOLT_EDGE_SPECTATORS_MAX_LIMIT": str(limit)}
    with worker_stack(root, args.partitions, WORKER, env) as (stack, worker):
        print("starting the edge…", flush=True)
        edge = stack.start_edge(EDGE)
        pids = _Pids(worker=worker.process.pid, edge=edge.process.pid)
        return asyncio.run(interruptible(_measure(args, stack.bootstrap, edge.url, pids)))


@dataclass(frozen=True)
class _Pids:
    worker: int
    edge: int


async def _measure(args: argparse.Namespace, bootstrap: str, edge_url: str, pids: _Pids) -> dict:
    tick_rate = WorkerSettings().tick_rate
    async with await MoltClient.register(edge_url, "bench-edge") as client:
        # Sessions no player joins: they wait, never end, and grant seats like live ones.
        seat_session = await open_session(client, WATCHED_GAME, spectators_max=args.seat_requests)
        per_session = math.ceil(args.ladder.highest / args.watched)
        watched = [await open_session(client, WATCHED_GAME, spectators_max=per_session) for _ in range(args.watched)]
        async with FrameFeed(bootstrap, watched, tick_rate):
            edge_steps, concurrent, stopped = await _fanout_edge(args, edge_url, watched, tick_rate, pids.edge)
        if not edge_steps:
            raise ProcessFailed(f"no spectators could be seated: {stopped and stopped.reason}")
        measured = [step.delivery.spectators for step in edge_steps]
        bare_steps = await _fanout_bare(args, tick_rate, measured, edge_steps[-1].mean_frame_bytes)
        print(f"timing {args.seat_requests} seat decisions, one at a time…", flush=True)
        http_ms = percentiles(await http_floor(edge_url, args.seat_requests))
        tokens, sequential = await spectate_tokens(edge_url, WATCHED_GAME, seat_session, args.seat_requests, 1)
        print(
            f"seat decisions ms p50/p99: {_pair(percentiles(sequential))} (HTTP floor, GET /healthz: {_pair(http_ms)})",
            flush=True,
        )
        claims = percentiles(await claims_to_welcome(tokens))
        print(f"claim → welcome ms p50/p99: {_pair(claims)}", flush=True)
        # Last: a worker that cannot keep up with the sessions falls behind on the whole
        # log, and every seat decision after would wait for it.
        print(f"timing {args.roundtrips} Kafka round trips…", flush=True)
        floor = percentiles(await roundtrip_ms(bootstrap, args.roundtrips))
        inputs = await _input_to_frame(args, client, pids)
        print(
            f"input → frame ms p50/p99: {_pair(inputs['latency_ms'])} "
            f"({inputs['samples']} of {inputs['inputs_sent']} inputs covered in time)",
            flush=True,
        )
    # A step that could not be seated and connected is a step that failed.
    held = {step.delivery.spectators: step.delivery.held for step in edge_steps}
    return {
        **_report(args, tick_rate, floor, inputs, sequential, concurrent, edge_steps, bare_steps),
        **ceiling(held if stopped is None else {**held, stopped.spectators: False}),
        "fanout_ladder": asdict(args.ladder),
        "http_floor_ms": http_ms,
        "claim_to_welcome_ms": claims,
        "fanout_stopped_early": stopped and f"N={stopped.spectators}: {stopped.reason}",
    }


async def _input_to_frame(args: argparse.Namespace, client: MoltClient, pids: _Pids) -> dict:
    games = sorted(ENGINES)
    players = [(games[n % len(games)], n) for n in range(args.sessions)]
    print(f"input → frame: starting {args.sessions} players in {args.player_procs} processes…", flush=True)
    pool = PlayerPool(args.player_procs)
    try:
        assert client.api_key is not None
        live = await pool.play(client.base_url, client.api_key, players, LIVE_TIMEOUT_S)
        if live < len(players):
            print(f"warning: only {live} of {len(players)} sessions live after {LIVE_TIMEOUT_S:g} s", flush=True)
        # Every player's first run starts at once: the sessions open, the play tokens
        # and sockets come, all in the first seconds. The window is for steady play.
        print(f"input → frame: {args.sessions} sessions, warming up ({args.input_warmup:g} s)…", flush=True)
        await asyncio.sleep(args.input_warmup)  # the load runs on its own: this is its duration
        print(f"input → frame: measuring ({args.seconds:g} s)…", flush=True)
        began = _cpu_marks(pids)
        await pool.timing_on()
        await asyncio.sleep(args.seconds)
        ended = _cpu_marks(pids)
        reports = await pool.timing_off()
    finally:
        await pool.aclose()
    return {
        "sessions": args.sessions,
        "player_processes": args.player_procs,
        "live_at_start": live,
        "runs_ended": sum(report.runs_ended for report in reports),
        "end_reasons": dict(sum((report.end_reasons for report in reports), Counter())),
        "inputs_sent": sum(report.inputs_sent for report in reports),
        "samples": sum(len(report.samples_ms) for report in reports),
        "latency_ms": percentiles([sample for report in reports for sample in report.samples_ms]),
        **{f"{name}_cpu_pct": round(100 * (ended[name] - began[name]) / args.seconds, 1) for name in began},
        "players_cpu_pct": [round(100 * report.cpu_s / args.seconds, 1) for report in reports],
    }


def _cpu_marks(pids: _Pids) -> dict[str, float]:
    return {"edge": cpu_seconds(pids.edge), "worker": tree_cpu_seconds(pids.worker)}


@dataclass(frozen=True)
class _Step:
    delivery: Delivery
    server_cpu_pct: float

    @property
    def mean_frame_bytes(self) -> int:
        return self.delivery.mean_frame_bytes

    def public(self) -> dict:
        return {**asdict(self.delivery), "server_cpu_pct": self.server_cpu_pct, "held": self.delivery.held}


@dataclass(frozen=True)
class _Stopped:
    """The N the edge's ladder could not seat and connect, and why."""

    spectators: int
    reason: str


async def _fanout_edge(
    args: argparse.Namespace, edge_url: str, watched: list[str], tick_rate: int, edge_pid: int
) -> tuple[list[_Step], list[float], _Stopped | None]:
    """The edge's steps, the seat latencies of seating them, and where and why the ladder
    stopped early, if it did."""
    pool = ReceiverPool(args.client_procs)
    steps: list[_Step] = []
    seat_ms: list[float] = []
    try:
        connected = 0
        for n in args.ladder.steps(lambda: steps[-1].delivery.held):
            print(f"edge fan-out N={n}: seating and connecting {n - connected} spectators…", flush=True)
            targets: list[Target] = []
            try:
                for stream, session_id in enumerate(watched):
                    # Spectator i watches session i mod len(watched).
                    count = len(range(stream, n, len(watched))) - len(range(stream, connected, len(watched)))
                    tokens, ms = await spectate_tokens(edge_url, WATCHED_GAME, session_id, count, args.seat_concurrency)
                    seat_ms += ms
                    targets += [Target(body["wsUrl"], body["token"], stream) for body in tokens]
                await _connect(pool, targets)
            except (SeatRefused, ProcessFailed) as exc:
                # A worker too loaded to decide seats in time, or an edge too loaded to
                # open sockets in time: this N cannot be reached, the smaller ones stand.
                print(f"warning: N={n} could not be seated and connected, stopping there: {exc}", flush=True)
                return steps, seat_ms, _Stopped(n, str(exc))
            connected = n
            steps.append(await _window(args, pool, n, tick_rate, edge_pid, "edge"))
    finally:
        await pool.aclose()
    return steps, seat_ms, None


async def _fanout_bare(
    args: argparse.Namespace, tick_rate: int, spectators: list[int], edge_frame_bytes: int
) -> list[_Step]:
    state_bytes = max(0, edge_frame_bytes - len(FRAME_TEMPLATE % (0, 0, "")))
    server = BroadcastServer(state_bytes, tick_rate)
    pool = ReceiverPool(args.client_procs)
    steps: list[_Step] = []
    try:
        url = await server.started()
        connected = 0
        for n in spectators:
            print(f"bare broadcast N={n}: connecting {n - connected} sockets…", flush=True)
            try:
                await _connect(pool, [Target(url, None, 0) for _ in range(n - connected)])
            except ProcessFailed as exc:
                # The baseline could not open this many sockets in time: the ratio is
                # taken at the largest N both servers reached.
                print(f"warning: bare N={n} could not be connected, stopping there: {exc}", flush=True)
                break
            connected = n
            steps.append(await _window(args, pool, n, tick_rate, server.pid, "bare broadcast"))
    finally:
        await pool.aclose()
        await server.stop()
    return steps


async def _connect(pool: ReceiverPool, targets: list[Target]) -> None:
    opened, errors = await pool.connect(targets)
    if opened < len(targets):
        raise ProcessFailed(f"{len(targets) - opened} of {len(targets)} sockets failed to open: {errors}")


async def _window(
    args: argparse.Namespace, pool: ReceiverPool, n: int, tick_rate: int, server_pid: int, name: str
) -> _Step:
    await asyncio.sleep(args.warmup)  # the frames flow on their own: this is the warm-up's duration
    print(f"{name} N={n}: measuring ({args.seconds:g} s)…", flush=True)
    await pool.record()
    cpu0, t0 = cpu_seconds(server_pid), time.time()
    await asyncio.sleep(args.seconds)
    cpu1, t1 = cpu_seconds(server_pid), time.time()
    await asyncio.sleep(SETTLE_S)
    step = _Step(delivery(await pool.report(t0, t1), n, t0, t1, tick_rate), round(100 * (cpu1 - cpu0) / (t1 - t0), 1))
    d = step.delivery
    print(
        f"{name} N={n}: {d.frames_per_s:,} frames/s, {d.delivered:.1%} delivered, delay ms p50/p99 "
        f"{_pair(d.delay_ms)}, server CPU {step.server_cpu_pct:.0f}%, clients CPU {d.clients_cpu_pct}",
        flush=True,
    )
    return step


def _report(
    args: argparse.Namespace,
    tick_rate: int,
    floor: dict | None,
    inputs: dict,
    sequential: list[float],
    concurrent: list[float],
    edge_steps: list[_Step],
    bare_steps: list[_Step],
) -> dict:
    # Side by side at the largest N both servers reached.
    bare_by_n = {step.delivery.spectators: step for step in bare_steps}
    compared = max((step for step in edge_steps if step.delivery.spectators in bare_by_n),
                   key=lambda step: step.delivery.spectators, default=None)  # fmt: skip
    fanout = compared.delivery.frames_per_s if compared else 0
    bare = bare_by_n[compared.delivery.spectators].delivery.frames_per_s if compared else 0
    return {
        "tick_rate": tick_rate,
        "partitions": args.partitions,
        "window_s": args.seconds,
        "warmup_s": args.warmup,
        "input_warmup_s": args.input_warmup,
        "input_to_frame_ms": inputs["latency_ms"],
        "kafka_roundtrip_ms": floor,
        "input_to_frame": inputs,
        "seat_decision_ms": percentiles(sequential),
        "seat_decision_samples": len(sequential),
        "seat_decision_concurrent_ms": percentiles(concurrent),
        "seat_concurrency": args.seat_concurrency,
        "fanout_spectators": compared.delivery.spectators if compared else None,
        "fanout_frames_per_s": fanout,
        "bare_broadcast_frames_per_s": bare,
        "fanout_ratio": round(fanout / bare, 3) if bare else None,
        "spectators_held_at_30hz": max((s.delivery.spectators for s in edge_steps if s.delivery.held), default=None),
        "bare_spectators_held_at_30hz": max(
            (s.delivery.spectators for s in bare_steps if s.delivery.held), default=None
        ),
        "held_bounds": {"delivered": HELD_DELIVERED, "delay_p99_ms": HELD_DELAY_MS},
        "watched_sessions": args.watched,
        "client_processes": args.client_procs,
        # A bare step is missing where the baseline could not open that many sockets.
        "steps": [
            {
                "spectators": e.delivery.spectators,
                "edge": e.public(),
                "bare": bare_by_n[e.delivery.spectators].public() if e.delivery.spectators in bare_by_n else None,
            }
            for e in edge_steps
        ],
    }


def _pair(figures: dict | None) -> str:
    return "-" if figures is None else f"{figures['p50']:.1f} / {figures['p99']:.1f}"


def _print_table(report: dict) -> None:
    inputs = report["input_to_frame"]
    print(f"\n{'figure':<34}{'measured':>16}   baseline / target")
    print(
        f"{'input → frame ms p50/p99':<34}{_pair(report['input_to_frame_ms']):>16}   "
        f"Kafka round trip {_pair(report['kafka_roundtrip_ms'])}; target p99 ≤ 50"
    )
    detail = f"  ({inputs['sessions']} sessions, {inputs['samples']}/{inputs['inputs_sent']} inputs)"
    print(
        f"{detail:<34}{'':>16}   "
        f"CPU: edge {inputs['edge_cpu_pct']:.0f}%, worker {inputs['worker_cpu_pct']:.0f}%, "
        f"players {' '.join(f'{pct:.0f}' for pct in inputs['players_cpu_pct'])} %"
    )
    print(f"{'  runs ended while timed':<34}{inputs['runs_ended']:>16}")
    print(
        f"{'seat decision ms p50/p99':<34}{_pair(report['seat_decision_ms']):>16}   "
        f"HTTP floor {_pair(report['http_floor_ms'])}; target p99 ≤ 25"
    )
    print(
        f"{'  (' + str(report['seat_concurrency']) + ' at a time)':<34}{_pair(report['seat_decision_concurrent_ms']):>16}"
    )
    print(
        f"{'claim → welcome ms p50/p99':<34}{_pair(report['claim_to_welcome_ms']):>16}   "
        f"HTTP floor {_pair(report['http_floor_ms'])}"
    )
    ratio = report["fanout_ratio"]
    print(
        f"{'fan-out frames/s, N=' + str(report['fanout_spectators']):<34}{report['fanout_frames_per_s']:>16,}   "
        f"bare broadcast {report['bare_broadcast_frames_per_s']:,}; ratio {ratio if ratio is not None else '-'}"
        "; target ≥ 0.8"
    )
    print(
        f"{'spectators held at 30 Hz':<34}{report['spectators_held_at_30hz'] or 'none':>16}   "
        f"bare broadcast {report['bare_spectators_held_at_30hz'] or 'none'}; target 2000"
    )
    bounds = report["held_bounds"]
    print(
        f"\nheld: delivered ≥ {bounds['delivered']:.0%} of N × {report['tick_rate']} frames/s and p99 delay "
        f"behind the first spectator ≤ {bounds['delay_p99_ms']:g} ms"
    )
    print(f"largest N the edge held: {ceiling_words(report)}")
    print(
        f"\n{'N':>6}  {'server':<6}{'frames/s':>10}{'deliv.':>8}{'source/s':>9}{'delay ms p50/p99':>18}"
        f"{'worst/s':>9}{'bytes':>7}{'server CPU':>11}  clients CPU  held"
    )
    for step in report["steps"]:
        for name in ("edge", "bare"):
            d = step[name]
            if d is None:
                print(f"{step['spectators']:>6}  {name:<6}{'could not open every socket':>30}")
                continue
            clients = " ".join(f"{cpu:.0f}" for cpu in d["clients_cpu_pct"])
            print(
                f"{step['spectators']:>6}  {name:<6}{d['frames_per_s']:>10,}{d['delivered']:>8.1%}"
                f"{d['source_frames_per_s']:>9.1f}{_pair(d['delay_ms']):>18}{d['worst_spectator_frames_per_s']:>9.1f}"
                f"{d['mean_frame_bytes']:>7}{d['server_cpu_pct']:>10.0f}%  {clients + ' %':<12} {'yes' if d['held'] else 'no'}"
            )
    if report["fanout_stopped_early"]:
        print(f"\nfan-out stopped early: {report['fanout_stopped_early']}")
