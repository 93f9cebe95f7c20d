"""The compiled frame writers (streams/sim/framejson.pyx) write what ``frame`` and orjson write.

Frames are what players, spectators and replays see, so the C writers must match the
engines' reference ``frame`` byte for byte, and hand back None (the reference then
writes the frame) wherever they could not.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings

from streams.sim.bots import reference_policy
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES, engine_for
from streams.sim.replay import record, replay
from tests.sim.test_engine import runs

SLUGS = sorted(ENGINES)
END_REASONS = ("collision", "max_duration", "abandoned", "quit", "expired")


def reference(engine: GameEngine, state: object) -> str:
    return orjson.dumps(engine.frame(state)).decode()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_engine_has_its_compiled_writer(slug: str) -> None:
    # Without the build (no compiler, a stale checkout) frames fall back to the
    # reference: correct, but at a fifth of the worker's speed, so it must not pass unseen.
    assert ENGINES[slug].frame_writer is not None


@settings(max_examples=60, deadline=None)
@given(runs)
def test_the_writer_matches_the_reference_on_every_frame_of_a_run(run: tuple[str, int, list]) -> None:
    slug, seed, inputs = run
    engine = ENGINES[slug]
    state = engine.initial_state(seed)
    assert engine.frame_writer.json(state) == reference(engine, state)
    for step in replay(engine, seed, inputs):
        assert engine.frame_writer.json(step.state) == reference(engine, step.state)
        assert engine.frame_json(step.state) == reference(engine, step.state)
    for reason in END_REASONS:  # the runtime ends runs for reasons of its own
        ended = engine.end(step.state, reason)
        assert engine.frame_writer.json(ended) == reference(engine, ended)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_writer_matches_the_reference_over_a_long_played_run(slug: str) -> None:
    # The reference bots play for minutes: speed ramps, many pipes and rows, shells.
    engine = ENGINES[slug]
    steps = list(replay(engine, 7, record(engine, 7, reference_policy(slug), 6000)))
    assert len(steps) > 1000
    for step in steps:
        assert engine.frame_writer.json(step.state) == reference(engine, step.state)


@pytest.mark.parametrize(
    ("slug", "overrides"),
    [
        ("flappy-bots", {"width": 400_000, "pipe_width": 60_000, "bird_radius": 9_000, "speed_max": 9_000}),
        ("shellrunners", {"view_distance": 60_000, "crab_length": 500, "jump_ticks": 20, "speed_ramp_ticks": 30}),
    ],
)
def test_the_writer_follows_the_engines_config(slug: str, overrides: dict) -> None:
    engine = engine_for(slug, **overrides)
    steps = list(replay(engine, 3, record(engine, 3, reference_policy(slug), 900)))
    for step in steps:
        assert engine.frame_writer.json(step.state) == reference(engine, step.state)


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("odd", ['say "hi"', "back\\slash", "tab\there", "café", "\x7f"])
def test_a_string_json_would_escape_goes_to_the_reference(slug: str, odd: str) -> None:
    engine = ENGINES[slug]
    ended = engine.end(engine.initial_state(1), odd)
    assert engine.frame_writer.json(ended) is None
    assert engine.frame_json(ended) == reference(engine, ended)
    hit = ended._replace(hit=odd)
    assert engine.frame_writer.json(hit) is None


@pytest.mark.parametrize("slug", SLUGS)
def test_an_int_beyond_a_signed_64_bit_goes_to_the_reference(slug: str) -> None:
    # orjson writes ints up to 2**64 - 1; the C writer only signed 64-bit ones.
    engine = ENGINES[slug]
    huge = engine.initial_state(1)._replace(score=2**63 + 5)
    assert engine.frame_writer.json(huge) is None
    assert orjson.loads(engine.frame_json(huge))["score"] == 2**63 + 5
    assert engine.frame_json(huge) == reference(engine, huge)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_malformed_state_is_refused_not_read_out_of_bounds(slug: str) -> None:
    engine = ENGINES[slug]
    state = engine.initial_state(1)
    with pytest.raises(TypeError):
        engine.frame_writer.json(tuple(state)[:-1])
    with pytest.raises(TypeError):
        engine.frame_writer.json(state._replace(**{state._fields[-1]: ((1, 2),)}))
