"""The compiled steppers (streams/sim/steps.pyx) step exactly as the engines' ``step``.

A run's final state hash must equal an offline fold of its command log, and replays
must stay exact for analysts, so the C twin of the rules must give the reference's
next state, value and type, on every tick; and hand back None (the reference then
steps) wherever it could not be exact.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.sim.bots import reference_policy
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES, engine_for
from streams.sim.replay import record
from tests.sim.test_engine import runs

SLUGS = sorted(ENGINES)


def assert_steps_alike(engine: GameEngine, seed: int, inputs: list[tuple[str, ...]]) -> int:
    """Step ``inputs`` from ``seed`` with both; returns how many steps the stepper took."""
    state = engine.initial_state(seed)
    compiled = 0
    for actions in inputs:
        expected = engine.step(state, actions)
        got = engine.stepper.step(state, actions)
        if engine.is_ended(state):
            assert got is None  # an ended run is the reference's to keep
        else:
            assert got == expected
            assert type(got) is type(expected) and type(got.state) is type(expected.state)
            assert engine.encode_state(got.state) == engine.encode_state(expected.state)
            compiled += 1
        assert engine.advance(state, actions) == expected
        state = expected.state
    return compiled


@pytest.mark.parametrize("slug", SLUGS)
def test_every_engine_has_its_stepper(slug: str) -> None:
    # Without the build every step is the reference: correct but slower, so not unseen.
    assert ENGINES[slug].stepper is not None


@settings(max_examples=80, deadline=None)
@given(runs)
def test_the_stepper_matches_the_reference_on_every_tick_of_a_run(run: tuple[str, int, list]) -> None:
    slug, seed, inputs = run
    assert_steps_alike(ENGINES[slug], seed, inputs)


def coords(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


# States no run of the default config reaches, and some it does: several pipes due at
# once, objects of one lane overlapping each other and the crab, timers at their limits.
# Pipes and objects lie near the distance run, where the rules look at them.
@st.composite
def flappy_states(draw: st.DrawFn) -> object:
    dist = draw(coords(0, 2_000_000))
    pipes = draw(
        st.lists(
            st.tuples(coords(dist - 60_000, dist + 400_000), coords(0, 300_000), coords(200_000, 520_000)), max_size=6
        )
    )
    return ENGINES["flappy-bots"].state_type(
        draw(coords(0, 9_000)),
        draw(coords(0, 500)),
        None,
        None,
        draw(coords(0, 2**64 - 1)),
        draw(coords(-50_000, 600_000)),
        draw(coords(-20_000, 20_000)),
        dist,
        draw(coords(0, 30)),
        tuple(pipes),
    )


@st.composite
def shell_states(draw: st.DrawFn) -> object:
    dist = draw(coords(0, 1_000_000))
    objects = draw(
        st.lists(st.tuples(coords(dist - 600, dist + 1_500), coords(0, 2), coords(0, 3)), min_size=2, max_size=12)
    )
    return ENGINES["shellrunners"].state_type(
        draw(coords(0, 18_000)),
        draw(coords(0, 5_000)),
        None,
        None,
        draw(coords(0, 2**64 - 1)),
        draw(coords(0, 2)),
        draw(coords(0, 16)),
        draw(coords(0, 16)),
        dist,
        draw(coords(0, 100)),
        draw(coords(dist - 1_000, dist + 60_000)),
        tuple(objects),
    )


any_actions = {slug: st.lists(st.sampled_from(sorted(ENGINES[slug].actions)), max_size=3).map(tuple) for slug in SLUGS}


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just("flappy-bots"), flappy_states(), any_actions["flappy-bots"]),
        st.tuples(st.just("shellrunners"), shell_states(), any_actions["shellrunners"]),
    )
)
def test_the_stepper_matches_the_reference_from_any_state(case: tuple[str, object, tuple[str, ...]]) -> None:
    slug, state, actions = case
    engine = ENGINES[slug]
    assert engine.stepper.step(state, actions) == engine.step(state, actions)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_stepper_matches_the_reference_over_a_long_played_run(slug: str) -> None:
    # Minutes of play: the speed ramps to its top, hundreds of pipes and rows, shells collected.
    engine = ENGINES[slug]
    inputs = record(engine, 7, reference_policy(slug), 6000)
    assert assert_steps_alike(engine, 7, inputs) > 5000


@pytest.mark.parametrize(
    ("slug", "overrides"),
    [
        (
            "flappy-bots",
            {"width": 400_000, "pipe_width": 60_000, "gravity": 1_100, "speed_max": 9_000, "gap_shrink": 4_000},
        ),
        ("shellrunners", {"view_distance": 60_000, "crab_length": 500, "jump_ticks": 20, "speed_ramp_ticks": 30}),
    ],
)
def test_the_stepper_follows_the_engines_config(slug: str, overrides: dict) -> None:
    engine = engine_for(slug, **overrides)
    inputs = record(engine, 3, reference_policy(slug), 900)
    assert assert_steps_alike(engine, 3, inputs) > 100


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize(
    "field_value",
    [
        ("tick", 2**31),  # beyond what the stepper holds without risk of overflow
        ("tick", -5),  # the speed ramp divides the tick in C
        ("tick", True),  # a bool: the reference would carry it on
        ("tick", 1.0),
        ("rng", -1),
        ("rng", 2**64),
        ("dist", -(2**40)),
    ],
)
def test_a_state_the_stepper_cannot_hold_goes_to_the_reference(slug: str, field_value: tuple[str, object]) -> None:
    engine = ENGINES[slug]
    field, value = field_value
    state = engine.initial_state(5)._replace(**{field: value})
    assert engine.stepper.step(state, ()) is None
    try:
        expected = engine.step(state, ())
    except TypeError:
        return  # nor can the reference: no step to compare
    assert engine.advance(state, ()) == expected


def test_an_item_outside_the_rules_tables_goes_to_the_reference() -> None:
    shell = ENGINES["shellrunners"]
    state = shell.initial_state(5)
    assert shell.stepper.step(state._replace(objects=((30_000, 1, 4),)), ()) is None  # no kind 4
    assert shell.stepper.step(state._replace(objects=((30_000, 1),)), ()) is None
    assert shell.stepper.step(state._replace(jump_left=-3), ()) is None  # the reference indexes heights with it
    flappy = ENGINES["flappy-bots"]
    assert flappy.stepper.step(flappy.initial_state(5)._replace(pipes=((1, 2, 2**40),)), ()) is None


@pytest.mark.parametrize("slug", SLUGS)
def test_a_plain_tuple_is_not_a_state(slug: str) -> None:
    engine = ENGINES[slug]
    assert engine.stepper.step(tuple(engine.initial_state(5)), ()) is None


@pytest.mark.parametrize("kinds", [(0, 1), (1, 0), (2, 0), (0, 3, 1), (3, 3, 2)])
def test_overlapping_objects_end_the_run_as_the_reference_does(kinds: tuple[int, ...]) -> None:
    # Objects of one lane that overlap each other and the crab: the first one named
    # the collision, every shell among them is collected.
    engine = ENGINES["shellrunners"]
    state = engine.initial_state(5)
    ahead = state.dist + engine.config.speed_start
    objects = tuple((ahead + 50 * i, state.lane, kind) for i, kind in enumerate(kinds))
    state = state._replace(objects=objects, next_row_at=ahead + 50_000)
    expected = engine.step(state, ())
    assert engine.stepper.step(state, ()) == expected


def test_a_config_beyond_the_steppers_ints_steps_by_the_reference() -> None:
    engine = engine_for("flappy-bots", max_ticks=2**40)
    assert engine.stepper is None
    state = engine.initial_state(2)
    assert engine.advance(state, ("flap",)) == engine.step(state, ("flap",))
