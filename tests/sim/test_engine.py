"""Contract suite: every engine in the registry keeps the ``GameEngine`` invariants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.sim.bots import reference_policy
from streams.sim.engine import MAX_DURATION, UNKNOWN_ACTION, GameEngine, Rejection
from streams.sim.prng import MAX_SEED
from streams.sim.registry import ENGINES, engine_for
from streams.sim.replay import record, replay

SLUGS = sorted(ENGINES)
seeds = st.integers(0, MAX_SEED)
PROPERTY = settings(max_examples=25, deadline=None)


def tick_inputs(slug: str) -> st.SearchStrategy[list[tuple[str, ...]]]:
    """Random per-tick action tuples, mostly empty so runs last a while."""
    moves = sorted(ENGINES[slug].actions)
    one_tick = st.one_of(
        st.just(()),
        st.just(()),
        st.just(()),
        st.tuples(st.sampled_from(moves)),
        st.lists(st.sampled_from(moves), max_size=3).map(tuple),
    )
    return st.lists(one_tick, min_size=1, max_size=200)


def run_of(slug: str) -> st.SearchStrategy[tuple[str, int, list[tuple[str, ...]]]]:
    return st.tuples(st.just(slug), seeds, tick_inputs(slug))


runs = st.sampled_from(SLUGS).flatmap(run_of)


def hashes(engine: GameEngine, seed: int, inputs: list[tuple[str, ...]]) -> list[str]:
    return [engine.state_hash(step.state) for step in replay(engine, seed, inputs)]


@PROPERTY
@given(runs)
def test_same_seed_and_actions_give_the_same_hashes(run: tuple[str, int, list]) -> None:
    slug, seed, inputs = run
    assert hashes(ENGINES[slug], seed, inputs) == hashes(engine_for(slug, tick_rate=30), seed, inputs)


@PROPERTY
@given(st.sampled_from(SLUGS), seeds, seeds)
def test_different_seeds_give_different_courses(slug: str, seed_a: int, seed_b: int) -> None:
    if seed_a == seed_b:
        return
    engine = ENGINES[slug]

    def course(seed: int) -> list[Any]:
        frames = [
            engine.frame(step.state) for step in replay(engine, seed, record(engine, seed, reference_policy(slug), 120))
        ]
        return [frame.get("pipes", frame.get("objects")) for frame in frames]

    assert course(seed_a) != course(seed_b)


@PROPERTY
@given(runs)
def test_a_run_keeps_its_invariants(run: tuple[str, int, list]) -> None:
    slug, seed, inputs = run
    engine = ENGINES[slug]
    state = engine.initial_state(seed)
    assert (engine.tick_of(state), engine.score_of(state), engine.is_ended(state)) == (0, 0, False)
    for step in replay(engine, seed, inputs):
        assert engine.tick_of(step.state) == engine.tick_of(state) + 1
        assert step.score == engine.score_of(step.state) >= engine.score_of(state)
        assert step.ended == engine.is_ended(step.state)
        assert step.end_reason == engine.end_reason_of(step.state)
        assert engine.decode_state(engine.encode_state(step.state)) == step.state
        frame = engine.frame(step.state)
        assert json.loads(json.dumps(frame)) == frame
        assert (frame["tick"], frame["score"], frame["ended"], frame["alive"]) == (
            engine.tick_of(step.state),
            step.score,
            step.ended,
            not step.ended,
        )
        assert_in_bounds(engine, frame)
        state = step.state


def assert_in_bounds(engine: GameEngine, frame: dict[str, Any]) -> None:
    c = engine.config
    if engine.slug == "flappy-bots":
        bird = frame["bird"]
        assert bird["radius"] <= bird["y"] <= c.height - bird["radius"]
        for pipe in frame["pipes"]:
            assert -pipe["width"] < pipe["x"] < c.width
            assert c.gap_margin <= pipe["gap_top"] < pipe["gap_bottom"] <= c.height - c.gap_margin
    else:
        assert 0 <= frame["crab"]["lane"] < frame["world"]["lanes"]
        assert 0 <= frame["crab"]["height"] <= c.jump_apex
        for obj in frame["objects"]:
            assert 0 <= obj["lane"] < frame["world"]["lanes"]
            assert -obj["length"] < obj["z"] < c.view_distance + c.row_gap_min


@PROPERTY
@given(runs, st.lists(st.tuples(st.text(max_size=5)), min_size=1, max_size=5))
def test_an_ended_run_stays_ended(run: tuple[str, int, list], later: list[tuple[str, ...]]) -> None:
    slug, seed, inputs = run
    engine = ENGINES[slug]
    *_, last = replay(engine, seed, inputs)
    state = engine.end(last.state, "abandoned")
    reason = engine.end_reason_of(state)
    assert engine.is_ended(state) and reason == (last.end_reason or "abandoned")
    assert engine.end(state, "other") == state
    for actions in [*later, tuple(engine.actions)]:
        step = engine.step(state, actions)
        assert (step.state, step.ended, step.end_reason, step.score) == (state, True, reason, engine.score_of(state))


@pytest.mark.parametrize("slug", SLUGS)
def test_validates_actions_as_values(slug: str) -> None:
    engine = ENGINES[slug]
    assert all(engine.validate_action(action) is None for action in engine.actions)
    for junk in ("", "FLAP", "jump ", "up", "💥"):
        if junk in engine.actions:
            continue
        rejection = engine.validate_action(junk)
        assert isinstance(rejection, Rejection) and rejection.code == UNKNOWN_ACTION and rejection.message


@pytest.mark.parametrize("slug", SLUGS)
def test_step_ignores_unknown_actions(slug: str) -> None:
    engine = ENGINES[slug]
    state = engine.initial_state(3)
    assert engine.step(state, ("nope", "")) == engine.step(state, ())


@pytest.mark.parametrize("slug", SLUGS)
def test_ends_at_the_maximum_duration(slug: str) -> None:
    engine = engine_for(slug, max_ticks=5)
    steps = list(replay(engine, 1, [()] * 10))
    assert len(steps) == 5 and steps[-1].end_reason == MAX_DURATION and steps[-1].ended


@pytest.mark.parametrize("slug", SLUGS)
def test_encoding_is_compact_canonical_and_versioned(slug: str) -> None:
    engine = ENGINES[slug]
    state = engine.initial_state(MAX_SEED)
    data = engine.encode_state(state)
    assert len(data) < 400 and engine.encode_state(engine.decode_state(data)) == data
    assert engine.state_hash(state) == engine.state_hash(engine.decode_state(data))
    assert len(engine.state_hash(state)) == 32
    newer = engine_for(slug)
    stale = data.replace(b"[%d," % engine.engine_version, b"[%d," % (engine.engine_version + 1), 1)
    with pytest.raises(ValueError):
        newer.decode_state(stale)


@pytest.mark.parametrize("slug", SLUGS)
def test_frame_carries_what_a_renderer_needs(slug: str) -> None:
    frame = ENGINES[slug].frame(ENGINES[slug].initial_state(0))
    assert {"game", "tick", "score", "alive", "ended", "end_reason", "world", "speed"} <= set(frame)
    assert frame["game"] == slug
