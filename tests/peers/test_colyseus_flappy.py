"""The Colyseus peer's Flappy Bots (``peers/colyseus/src``) plays exactly our engine's game.

Runs go through the JavaScript engine under node and through ours, and every state is
compared field by field, tick by tick: the golden replay's seed and inputs, the
reference bot playing a whole run, a bird left to fall and one that flaps every tick.
Between them they reach every rule (the speed and gap limits, terminal velocity, the
ceiling, the ground, pipes, the run's maximum length): each constant changed alone in
the JavaScript engine makes some run differ.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
from functools import cache
from typing import Any

import pytest

from molt.bench.colyseus import PROJECT
from streams.sim.bots import flappy_policy
from streams.sim.flappy import FLAP, FlappyBots, FlappyConfig, FlappyState
from streams.sim.replay import InputLog, record, replay
from tests.golden.regenerate import golden_path, inputs_of

GOLDEN_TICKS = 1_500
ENGINE = FlappyBots()
REPLAY = PROJECT / "src" / "replay.js"
NODE_TIMEOUT_S = 60


@cache
def golden() -> tuple[int, InputLog]:
    run = json.loads(golden_path(ENGINE.slug).read_text())
    return run["seed"], inputs_of(run)[:GOLDEN_TICKS]


@cache
def runs() -> dict[str, tuple[int, InputLog]]:
    """(seed, inputs) of runs that between them exercise every rule."""
    config = ENGINE.config
    return {
        "golden": golden(),
        # The reference bot, from a seed it plays to the run's maximum length: the speed
        # ramp and the gaps reach their limits long before.
        "bot": (3, record(ENGINE, 3, flappy_policy, config.max_ticks)),
        "falling": (7, [()] * config.max_ticks),
        "climbing": (5, [(FLAP,)] * config.max_ticks),
    }


@cache
def ours(name: str) -> list[list[Any]]:
    """Our engine's state after each step of a run, as the JavaScript engine reports its own."""
    seed, inputs = runs()[name]
    return [_fields(step.state) for step in replay(ENGINE, seed, inputs)]


def _fields(s: FlappyState) -> list[Any]:
    pipes = [list(pipe) for pipe in s.pipes]
    return [s.tick, s.score, s.end_reason, s.hit, str(s.rng), s.y, s.vy, s.dist, s.pipes_spawned, pipes]


def node_replay(requests: list[dict[str, Any]]) -> dict[str, Any]:
    """``peers/colyseus/src/replay.js`` on ``requests``: its config and each run's steps."""
    runs_in = [
        {**request, "seed": str(request["seed"]), "inputs": [list(a) for a in request["inputs"]]}
        for request in requests
    ]
    done = subprocess.run(
        ["node", str(REPLAY)],
        input=json.dumps({"runs": runs_in}),
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def first_difference(mine: list[list[Any]], theirs: list[list[Any]]) -> int | None:
    """The first tick whose states differ (a missing step counts), or None."""
    for tick, (a, b) in enumerate(zip(mine, theirs, strict=False), 1):
        if a != b:
            return tick
    return None if len(mine) == len(theirs) else min(len(mine), len(theirs)) + 1


def test_the_config_is_ours_field_by_field() -> None:
    assert node_replay([])["config"] == dataclasses.asdict(FlappyConfig())


def test_the_golden_run_plays_the_same_for_1500_ticks() -> None:
    seed, inputs = golden()
    mine = ours("golden")
    [theirs] = node_replay([{"seed": seed, "inputs": inputs}])["runs"]
    assert len(mine) == GOLDEN_TICKS and any(pipes for *_, pipes in mine)
    tick = first_difference(mine, theirs["states"])
    assert tick is None, f"tick {tick}: ours {mine[tick - 1]}, theirs {theirs['states'][tick - 1]}"


def test_whole_runs_play_the_same_to_their_end() -> None:
    played = runs()
    answers = node_replay([{"seed": seed, "inputs": inputs} for seed, inputs in played.values()])["runs"]
    ends = {}
    for name, theirs in zip(played, answers, strict=True):
        mine = ours(name)
        tick = first_difference(mine, theirs["states"])
        assert tick is None, f"{name} run, tick {tick}"
        ends[name] = (mine[-1][2], mine[-1][3])
    # Between them, the runs end every way a run can.
    assert ends["bot"] == ("max_duration", None)
    assert ends["falling"] == ("collision", "ground")
    assert ends["climbing"] == ("collision", "ceiling")
    assert ends["golden"][0] is None


def test_frames_and_the_bot_answer_as_ours() -> None:
    seed, inputs = runs()["bot"]
    [theirs] = node_replay([{"seed": seed, "inputs": inputs, "views": True}])["runs"]
    frames = [ENGINE.frame(step.state) for step in replay(ENGINE, seed, inputs)]
    assert theirs["frames"] == frames
    assert theirs["actions"] == [flappy_policy(frame) for frame in frames]
    assert "flap" in theirs["actions"]


RULE_CONSTANTS = [field.name for field in dataclasses.fields(FlappyConfig) if field.name != "tick_rate"]


def digest(states: list[list[Any]]) -> str:
    """What replay.js answers for a run with ``digest``: the SHA-256 of its states' compact JSON, one a line."""
    text = "".join(json.dumps(state, separators=(",", ":")) + "\n" for state in states)
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def our_digests() -> list[str]:
    return [digest(ours(name)) for name in runs()]


@cache
def mutant_digests() -> dict[str, list[str]]:
    """Per rule constant, each run's digest with that constant alone 10% larger in JavaScript."""
    played = list(runs().values())
    defaults = dataclasses.asdict(FlappyConfig())
    requests = [
        {"seed": seed, "inputs": inputs, "config": {name: defaults[name] * 11 // 10}, "digest": True}
        for name in RULE_CONSTANTS
        for seed, inputs in played
    ]
    answers = [run["sha256"] for run in node_replay(requests)["runs"]]
    return {name: answers[n * len(played) : (n + 1) * len(played)] for n, name in enumerate(RULE_CONSTANTS)}


def test_node_digests_a_run_as_we_do() -> None:
    seed, inputs = runs()["falling"]
    [theirs] = node_replay([{"seed": seed, "inputs": inputs, "digest": True}])["runs"]
    assert theirs["sha256"] == digest(ours("falling"))


@pytest.mark.parametrize("name", RULE_CONSTANTS)
def test_a_changed_rule_constant_shows_in_the_runs(name: str) -> None:
    # tick_rate paces the server, not the rules: the config comparison above holds it.
    assert mutant_digests()[name] != our_digests(), name
