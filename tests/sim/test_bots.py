"""The reference bots survive long: they make benchmarks and golden runs meaningful."""

from __future__ import annotations

from streams.sim.bots import reference_policy
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
    full_speed = (engine.config.speed_max - engine.config.speed_start) // engine.config.speed_step * engine.config.speed_ramp_ticks
    ticks = [play(engine, seed, 10**9, full_speed + 600)[1] for seed in range(10)]
    assert sum(tick == full_speed + 600 for tick in ticks) >= 9, ticks


def test_bots_do_nothing_once_the_run_ended() -> None:
    for slug, engine in ENGINES.items():
        ended = engine.end(engine.initial_state(0), "abandoned")
        assert reference_policy(slug)(engine.frame(ended)) is None
