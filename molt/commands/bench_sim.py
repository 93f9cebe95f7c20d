"""``molt bench sim``: game ticks per second on one core, per game.

Two figures per game: the pure ``step`` alone, and ``step`` plus building the client
frame and encoding it as compact JSON (what the WebSocket edge sends every tick). Inputs
are recorded once from the reference bot, before timing, so runs last as long as the bot
survives; when a run ends the next seed's run starts. Only the replay is timed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from streams.sim.bots import reference_policy
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES
from streams.sim.replay import record

TARGETS = {"flappy-bots": 100_000, "shellrunners": 50_000}
_SEEDS = range(4)
_COMPACT = (",", ":")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ticks", type=int, default=300_000, help="ticks timed per game and mode (default 300000)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON to PATH")


def run(args: argparse.Namespace) -> int:
    if args.ticks <= 0:
        print("error: --ticks must be positive")
        return 2
    results = {slug: bench_game(engine, args.ticks) for slug, engine in ENGINES.items()}
    print(f"{'game':<14}{'ticks/s (step)':>16}{'ticks/s (+frame JSON)':>24}{'target (step)':>16}")
    for slug, figures in results.items():
        print(f"{slug:<14}{figures['ticks_per_s']:>16,}{figures['ticks_per_s_with_frames']:>24,}{TARGETS[slug]:>16,}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def bench_game(engine: GameEngine, ticks: int) -> dict[str, int]:
    policy = reference_policy(engine.slug)
    logs = [(seed, record(engine, seed, policy, min(ticks, engine.config.max_ticks))) for seed in _SEEDS]
    return {
        "ticks": ticks,
        "ticks_per_s": round(ticks / _timed_run(engine, logs, ticks, encode_frames=False)),
        "ticks_per_s_with_frames": round(ticks / _timed_run(engine, logs, ticks, encode_frames=True)),
    }


def _timed_run(
    engine: GameEngine, logs: Sequence[tuple[int, Sequence[tuple[str, ...]]]], ticks: int, encode_frames: bool
) -> float:
    """Seconds to play ``ticks`` ticks, cycling through the recorded runs."""
    step, frame, dumps = engine.step, engine.frame, json.dumps
    left = ticks
    began = time.perf_counter()
    while left:
        for seed, inputs in logs:
            state = engine.initial_state(seed)
            for actions in inputs[:left]:
                state = step(state, actions).state
                if encode_frames:
                    dumps(frame(state), separators=_COMPACT)
            left -= min(left, len(inputs))
            if not left:
                break
    return time.perf_counter() - began
