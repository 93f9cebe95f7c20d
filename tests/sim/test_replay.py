"""Golden replays: any unintended change to rules, PRNG or encoding fails here.

A deliberate change bumps the engine version and regenerates the files with
``.venv/bin/python -m tests.golden.regenerate`` (see that module).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from streams.sim.bots import reference_policy
from streams.sim.registry import ENGINES
from streams.sim.replay import record, replay
from tests.golden.regenerate import golden_path, inputs_of

SLUGS = sorted(ENGINES)


@pytest.mark.parametrize("slug", SLUGS)
def test_golden_replay_matches_tick_by_tick(slug: str) -> None:
    engine = ENGINES[slug]
    golden = json.loads(golden_path(slug).read_text())
    assert golden["engine_version"] == engine.engine_version, "engine version changed: regenerate the golden files"
    assert golden["config"] == dataclasses.asdict(engine.config), "default config changed: bump the engine version"
    steps = list(replay(engine, golden["seed"], inputs_of(golden)))
    actual = [engine.state_hash(step.state) for step in steps]
    first_diff = next(
        (tick for tick, (a, b) in enumerate(zip(actual, golden["hashes"], strict=False), 1) if a != b), None
    )
    assert first_diff is None, f"state diverges from the golden run at tick {first_diff}"
    assert len(actual) == len(golden["hashes"]) == golden["ticks"]
    assert (actual[-1], steps[-1].score, steps[-1].end_reason) == (
        golden["final_hash"],
        golden["final_score"],
        golden["end_reason"],
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_replaying_a_recording_reproduces_the_run(slug: str) -> None:
    engine = ENGINES[slug]
    inputs = record(engine, 11, reference_policy(slug), 400)
    assert len(inputs) == 400 and any(inputs)
    steps = list(replay(engine, 11, inputs))
    assert len(steps) == 400 and not steps[-1].ended


def test_replay_stops_when_the_run_ends() -> None:
    engine = ENGINES["flappy-bots"]
    steps = list(replay(engine, 0, [()] * 1_000))
    assert steps[-1].ended and not any(step.ended for step in steps[:-1])
    assert len(record(engine, 0, lambda frame: None, 1_000)) == len(steps)
