"""The reference bots survive long: they make benchmarks and golden runs meaningful."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import NamedTuple

import pytest

from streams.sim.bots import Frame, reference_policy
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES


def play(engine: GameEngine, seed: int, until_score: int, max_ticks: int) -> tuple[int, int]:
    """(score, ticks) when the bot dies, reaches ``until_score`` or plays ``max_ticks``."""
    policy = reference_policy(engine.slug)
    state = engine.initial_state(seed)
    while not engine.is_ended(state) and engine.score_of(state) < until_score and engine.tick_of(state) < max_ticks:
        action = policy(engine.frame(state))
        state = engine.step(state, (action,) if action else ()).state
    return engine.score_of(state), engine.tick_of(state)


def test_flappy_bot_passes_50_pipes_on_most_seeds() -> None:
    scores = [play(ENGINES["flappy-bots"], seed, 50, 10**6)[0] for seed in range(20)]
    assert sum(score >= 50 for score in scores) >= 16, scores


def test_shellrunners_bot_outlasts_the_speed_ramp() -> None:
    engine = ENGINES["shellrunners"]
    # The speed reaches its maximum at this tick; surviving past it means surviving at full speed.
    full_speed = (
        (engine.config.speed_max - engine.config.speed_start)
        // engine.config.speed_step
        * engine.config.speed_ramp_ticks
    )
    ticks = [play(engine, seed, 10**9, full_speed + 600)[1] for seed in range(10)]
    assert sum(tick == full_speed + 600 for tick in ticks) >= 9, ticks


def test_bots_do_nothing_once_the_run_ended() -> None:
    for slug, engine in ENGINES.items():
        ended = engine.end(engine.initial_state(0), "abandoned")
        assert reference_policy(slug)(engine.frame(ended)) is None


class Played(NamedTuple):
    ticks: int  # ticks played
    sent: list[tuple[int, str]]  # every input, as (tick it answered, action)
    read: int  # frames the bot read


def play_late(
    engine: GameEngine,
    seed: int,
    lead_ticks: int,
    late_share: float,
    max_ticks: int,
    *,
    quiet: Callable[[Frame], int] | None = None,
) -> Played:
    """A run where each input lands a tick late with probability ``late_share``.

    As over a network: the bot answers a frame, and its input applies at the next tick
    or, late, at the one after; it waits for an input to land before it answers again.
    Given ``quiet``, how many frames after one it answered None the policy is sure to
    answer None again, it leaves those unread, as the benchmark's bots do.
    """
    policy = reference_policy(engine.slug, lead_ticks)
    late = random.Random(seed)
    state = engine.initial_state(seed)
    landing: tuple[int, str] | None = None  # (tick at which it applies, action)
    sent: list[tuple[int, str]] = []
    read, asleep_until = 0, -1
    while not engine.is_ended(state) and engine.tick_of(state) < max_ticks:
        tick = engine.tick_of(state)
        if landing is None and tick > asleep_until:
            frame = engine.frame(state)
            read += 1
            if (action := policy(frame)) is not None:
                sent.append((tick, action))
                landing = (tick + (late.random() < late_share), action)
            elif quiet is not None:
                asleep_until = tick + quiet(frame)
        actions = ()
        if landing is not None and landing[0] == tick:
            actions, landing = (landing[1],), None
        state = engine.step(state, actions).state
    return Played(engine.tick_of(state), sent, read)


@pytest.mark.parametrize("slug", sorted(ENGINES))
def test_a_tick_of_lead_survives_inputs_that_land_a_tick_late(slug: str) -> None:
    engine = ENGINES[slug]
    for late_share in (0.0, 0.3, 1.0):
        ticks = [play_late(engine, seed, 1, late_share, 3000).ticks for seed in range(10)]
        assert sum(t == 3000 for t in ticks) >= 9, (late_share, ticks)


def test_without_a_lead_the_flappy_bot_dies_of_late_inputs() -> None:
    # What the lead is for: the same scenario, planned as if every input landed at once.
    engine = ENGINES["flappy-bots"]
    ticks = [play_late(engine, seed, 0, 0.3, 3000).ticks for seed in range(10)]
    assert sum(t == 3000 for t in ticks) <= 2, ticks


def test_a_negative_lead_is_refused() -> None:
    with pytest.raises(ValueError, match="lead_ticks"):
        reference_policy("flappy-bots", -1)
