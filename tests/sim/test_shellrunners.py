from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.sim.engine import COLLISION
from streams.sim.prng import MAX_SEED
from streams.sim.shellrunners import (
    DUCK,
    GULL,
    JUMP,
    LEFT,
    RIGHT,
    ROCK,
    SHELL,
    SPANS,
    WALL,
    ShellConfig,
    ShellRunners,
    ShellState,
)

ENGINE = ShellRunners()
C = ENGINE.config
# Where an object must be to overlap the crab after one step from the start line.
UNDER_CRAB = ENGINE.speed_at(1) + C.crab_length // 2
MID_JUMP = C.jump_ticks // 2 + 1


def scene(*objects: tuple[int, int, int], lane: int = 1, jump_left: int = 0, duck_left: int = 0) -> ShellState:
    # next_row_at far ahead: no rows spawn into these hand-built scenarios.
    return ShellState(0, 0, None, None, 1, lane, jump_left, duck_left, 0, 0, 10**9, objects)


def hit_after(state: ShellState, *actions: str) -> str | None:
    step = ENGINE.step(state, actions)
    assert step.ended == (step.state.hit is not None)
    assert step.end_reason == (COLLISION if step.ended else None)
    return step.state.hit


def test_jump_is_a_parabola_from_the_sand() -> None:
    state, heights = scene(), []
    state = ENGINE.step(state, (JUMP,)).state
    while state.jump_left:
        heights.append(ENGINE.frame(state)["crab"]["height"])
        state = ENGINE.step(state, ()).state
    assert len(heights) == C.jump_ticks and heights == heights[::-1]
    assert 0 < heights[0] < max(heights) <= C.jump_apex
    assert ENGINE.frame(state)["crab"] == {"lane": 1, "height": 0, "pose": "run"}


def test_rock_kills_unless_jumped() -> None:
    rock = (UNDER_CRAB, 1, ROCK)
    assert hit_after(scene(rock)) == "rock"
    assert hit_after(scene(rock), DUCK) == "rock"
    assert hit_after(scene(rock, jump_left=MID_JUMP)) is None
    assert hit_after(scene(rock), LEFT) is None


def test_gull_kills_unless_ducked_under() -> None:
    gull = (UNDER_CRAB, 1, GULL)
    assert hit_after(scene(gull)) == "gull"
    assert hit_after(scene(gull, jump_left=MID_JUMP)) == "gull"
    assert hit_after(scene(gull), DUCK) is None
    assert hit_after(scene(gull, duck_left=3)) is None


def test_wall_kills_unless_dodged_by_lane() -> None:
    wall = (UNDER_CRAB, 1, WALL)
    for state in (scene(wall), scene(wall, jump_left=MID_JUMP), scene(wall, duck_left=3)):
        assert hit_after(state) == "wall"
    assert hit_after(scene(wall), RIGHT) is None


def test_objects_only_touch_the_crab_where_they_overlap() -> None:
    speed = ENGINE.speed_at(1)
    ahead = (speed + C.crab_length, 1, WALL)
    behind = (speed - SPANS[WALL][0], 1, WALL)
    assert hit_after(scene(ahead, behind)) is None
    assert hit_after(scene((speed + C.crab_length - 1, 1, WALL))) == "wall"


def test_shell_is_collected_from_the_sand_and_scores() -> None:
    shell = (UNDER_CRAB, 1, SHELL)
    step = ENGINE.step(scene(shell), ())
    assert not step.ended and step.state.shells == 1 and step.state.objects == ()
    assert step.score == step.state.dist // C.units_per_point + C.shell_points
    flying = ENGINE.step(scene(shell, jump_left=MID_JUMP), ())
    assert flying.state.shells == 0 and flying.state.objects == (shell,)
    elsewhere = ENGINE.step(scene(shell, lane=0), ())
    assert elsewhere.state.shells == 0


def test_shells_are_collected_even_on_a_fatal_tick() -> None:
    step = ENGINE.step(scene((UNDER_CRAB, 1, SHELL), (UNDER_CRAB + 1, 1, ROCK)), ())
    assert step.state.hit == "rock" and step.state.shells == 1


@pytest.mark.parametrize(
    ("lane", "actions", "expected"),
    [
        (0, (LEFT,), 0),
        (2, (RIGHT,), 2),
        (2, (LEFT, LEFT, LEFT), 0),
        (0, (RIGHT, RIGHT, RIGHT), 2),
        (1, (LEFT, RIGHT), 1),
    ],
)
def test_lane_changes_stop_at_the_edges(lane: int, actions: tuple[str, ...], expected: int) -> None:
    assert ENGINE.step(scene(lane=lane), actions).state.lane == expected


def test_jump_and_duck_only_from_the_sand() -> None:
    airborne = scene(jump_left=MID_JUMP)
    assert ENGINE.step(airborne, (JUMP,)).state.jump_left == MID_JUMP - 1
    assert ENGINE.step(airborne, (DUCK,)).state.duck_left == 0
    ducking = ENGINE.step(scene(), (DUCK,)).state
    assert ducking.duck_left == C.duck_ticks
    jumped = ENGINE.step(ducking, (JUMP,)).state
    assert (jumped.jump_left, jumped.duck_left) == (C.jump_ticks, 0)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, MAX_SEED))
def test_rows_leave_a_lane_open_and_keep_their_distance(seed: int) -> None:
    state = ShellRunners(ShellConfig(view_distance=1_000_000)).initial_state(seed)
    rows: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for at, lane, kind in state.objects:
        rows[at].append((lane, kind))
    assert len(rows) > 50
    assert all(sum(kind == WALL for _, kind in row) <= 2 for row in rows.values())
    obstacle_rows = sorted(at for at, row in rows.items() if any(kind != SHELL for _, kind in row))
    assert all(b - a >= C.row_gap_min for a, b in itertools.pairwise(obstacle_rows))
    assert {kind for row in rows.values() for _, kind in row} == {ROCK, GULL, WALL, SHELL}


def test_speed_ramps_and_stays_bounded() -> None:
    speeds = [ENGINE.speed_at(tick) for tick in range(0, 100_000, 50)]
    assert speeds[0] == C.speed_start and speeds[-1] == C.speed_max and speeds == sorted(speeds)


def test_rejects_a_config_fast_enough_to_skip_collisions() -> None:
    with pytest.raises(ValueError):
        ShellConfig(speed_max=C.crab_length + 300)
