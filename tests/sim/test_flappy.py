from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.sim.bots import flappy_policy
from streams.sim.engine import COLLISION
from streams.sim.flappy import FLAP, FlappyBots, FlappyConfig, FlappyState
from streams.sim.prng import MAX_SEED
from streams.sim.replay import record, replay

ENGINE = FlappyBots()
C = ENGINE.config
MID = C.height // 2
# Far enough ahead that no pipe spawns during these hand-built scenarios.
NO_SPAWN = 10_000


def scene(y: int = MID, vy: int = 0, dist: int = 0, pipes: tuple = ()) -> FlappyState:
    return FlappyState(0, 0, None, None, 1, y, vy, dist, NO_SPAWN, pipes)


def pipe_over_bird(top: int, bottom: int, dist: int = 0) -> tuple[int, int, int]:
    """A pipe whose left edge will be level with the bird after one step."""
    return (dist + ENGINE.speed_at(1) + C.bird_x, top, bottom)


def test_gravity_accelerates_to_terminal_velocity_and_flap_sets_impulse() -> None:
    state, speeds = scene(y=C.bird_radius + 1), []
    for _ in range(20):
        state = ENGINE.step(state, ()).state
        speeds.append(state.vy)
    assert speeds[:3] == [C.gravity, 2 * C.gravity, 3 * C.gravity]
    assert max(speeds) == speeds[-1] == C.terminal_velocity
    flapped = ENGINE.step(scene(vy=C.terminal_velocity), (FLAP,)).state
    assert (flapped.vy, flapped.y) == (-C.flap_speed, MID - C.flap_speed)


def test_hitting_the_ground_ends_the_run() -> None:
    step = ENGINE.step(scene(y=C.height - C.bird_radius - 10, vy=C.terminal_velocity), ())
    assert (step.ended, step.end_reason, step.state.hit) == (True, COLLISION, "ground")
    assert step.state.y == C.height - C.bird_radius


def test_hitting_the_ceiling_ends_the_run() -> None:
    step = ENGINE.step(scene(y=C.bird_radius + 10), (FLAP,))
    assert (step.ended, step.end_reason, step.state.hit) == (True, COLLISION, "ceiling")
    assert step.state.y == C.bird_radius


def test_a_pipe_kills_outside_its_gap_only() -> None:
    gap = C.bird_radius * 2 + 3 * C.gravity
    # The bird falls by one gravity step; a gap just around where it lands lets it through.
    landing = MID + C.gravity
    through = ENGINE.step(scene(pipes=(pipe_over_bird(landing - gap // 2, landing + gap // 2),)), ())
    assert not through.ended
    too_low = ENGINE.step(scene(pipes=(pipe_over_bird(landing + C.bird_radius, landing + C.bird_radius + gap),)), ())
    too_high = ENGINE.step(scene(pipes=(pipe_over_bird(landing - C.bird_radius - gap, landing - C.bird_radius),)), ())
    assert too_low.state.hit == too_high.state.hit == "pipe" and too_low.end_reason == COLLISION


def test_a_pipe_out_of_reach_horizontally_is_harmless() -> None:
    ahead = (C.bird_x + C.bird_radius + ENGINE.speed_at(1), 0, 1)
    behind = (C.bird_x - C.bird_radius - C.pipe_width + ENGINE.speed_at(1) - 1, 0, 1)
    assert not ENGINE.step(scene(pipes=(ahead,)), ()).ended
    assert not ENGINE.step(scene(pipes=(behind,)), ()).ended


def test_score_counts_a_pipe_once_the_bird_is_fully_past_it() -> None:
    speed = ENGINE.speed_at(1)
    # After the step the bird's left edge sits exactly on the first pipe's right edge.
    dist = C.first_pipe_x + C.pipe_width + C.bird_radius - C.bird_x - speed
    state = FlappyState(0, 0, None, None, 1, MID, 0, dist, 1, ((C.first_pipe_x, 0, C.height),))
    level = ENGINE.step(state, (FLAP,))
    assert level.score == 0
    assert ENGINE.step(level.state, (FLAP,)).score == 1


def test_difficulty_ramps_and_stays_bounded() -> None:
    speeds = [ENGINE.speed_at(tick) for tick in range(0, 100_000, 50)]
    assert speeds[0] == C.speed_start and speeds[-1] == C.speed_max
    assert speeds == sorted(speeds)
    pipes = []
    for step in replay(ENGINE, 5, record(ENGINE, 5, flappy_policy, 3_000)):
        pipes.extend(p for p in step.state.pipes if p not in pipes)
    gaps = [bottom - top for _, top, bottom in pipes]
    assert gaps[0] == C.gap_start and min(gaps) >= C.gap_min and gaps == sorted(gaps, reverse=True)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_gaps_sit_between_the_margins_and_shift_by_a_bounded_step(seed: int) -> None:
    state = FlappyBots(FlappyConfig(width=C.pipe_spacing * 30)).initial_state(seed)
    centres = [(top + bottom) // 2 for _, top, bottom in state.pipes]
    assert len(centres) >= 20
    assert all(abs(b - a) <= C.gap_max_shift for a, b in zip([MID, *centres], centres, strict=False))
    assert all(C.gap_margin <= top and bottom <= C.height - C.gap_margin for _, top, bottom in state.pipes)
