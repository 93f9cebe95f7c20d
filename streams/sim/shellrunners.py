"""ShellRunners: a crab runs along three lanes of a beach. Actions: left, right, jump, duck.

Rules (engine version 1), in integer units (millimetres along the track and above the sand):

- The crab moves forward by a speed that grows by ``speed_step`` every
  ``speed_ramp_ticks`` up to ``speed_max``. ``left``/``right`` move it one lane at once;
  at the edge lanes they do nothing. ``jump`` starts a ``jump_ticks`` parabolic jump
  peaking at ``jump_apex``; ``duck`` lowers the crab for ``duck_ticks``; both only from
  the sand, and a jump ends a duck.
- Rows of objects are drawn from the PRNG as they come into view, ``row_gap_min`` to
  ``row_gap_min + row_gap_spread`` apart: rocks or gulls in one to three lanes, walls in
  one or two lanes (never three, so a lane is always open), shells in the free lanes or
  in a trail.
- Every object is a box (length along the track, lowest and highest point). The crab is
  a box too: ``crab_length`` long, from its jump height up by ``crab_height``, or by
  ``duck_height`` while ducking. A shell overlapping the crab in its lane is collected;
  any other overlapping object ends the run ("collision"). So rocks are jumped, gulls
  ducked under and walls dodged.
- Score = distance in points (``units_per_point`` units each) + ``shell_points`` per shell.

Invariants: the crab's lane is in ``0 .. 2``; objects are ordered by track position and
the state keeps only those not yet fully behind the crab and within the view distance.
Timers count the ticks of a pose left, including the current tick, so a state's pose is
the one its collisions were judged with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from streams.sim.base import EngineBase, check_positive, compiled_frames, compiled_steps
from streams.sim.engine import COLLISION, MAX_DURATION, Step
from streams.sim.prng import below, seed_state

LEFT, RIGHT, JUMP, DUCK = "left", "right", "jump", "duck"
LANES = 3

ROCK, GULL, WALL, SHELL = range(4)
KIND_NAMES = ("rock", "gull", "wall", "shell")
# Per kind: (length along the track, lowest point, highest point).
SPANS = ((400, 0, 400), (400, 300, 3_000), (300, 0, 3_000), (300, 0, 200))
# Lane masks with one or two lanes set: walls never close all three.
_WALL_MASKS = (0b001, 0b010, 0b100, 0b011, 0b101, 0b110)
_SHELL_TRAIL = 3
_SHELL_TRAIL_STEP = 1_500


@dataclass(frozen=True, slots=True)
class ShellConfig:
    tick_rate: int = 30
    max_ticks: int = 30 * 60 * 10
    view_distance: int = 40_000
    crab_length: int = 400
    crab_height: int = 500
    duck_height: int = 250
    jump_ticks: int = 16
    jump_apex: int = 1_000
    duck_ticks: int = 16
    speed_start: int = 250
    speed_max: int = 450
    speed_step: int = 10
    speed_ramp_ticks: int = 150
    row_gap_min: int = 9_000
    row_gap_spread: int = 6_000
    first_row_at: int = 15_000
    shell_points: int = 10
    units_per_point: int = 1_000

    def __post_init__(self) -> None:
        check_positive(self)
        # Faster than the shortest object plus the crab and a collision could be skipped.
        if self.speed_max >= self.crab_length + min(span[0] for span in SPANS):
            raise ValueError("speed_max must stay below crab_length plus the shortest object")


class ShellState(NamedTuple):
    tick: int
    score: int
    end_reason: str | None
    hit: str | None
    rng: int
    lane: int
    jump_left: int
    duck_left: int
    # Track position of the crab's rear edge.
    dist: int
    shells: int
    next_row_at: int
    # (track position of the rear edge, lane, kind), ordered by position.
    objects: tuple[tuple[int, int, int], ...]


class ShellRunners(EngineBase):
    slug = "shellrunners"
    engine_version = 1
    actions = frozenset({LEFT, RIGHT, JUMP, DUCK})
    state_type = ShellState

    def __init__(self, config: ShellConfig | None = None) -> None:
        self.config = config = config or ShellConfig()
        n = config.jump_ticks + 1
        # Height by jump ticks left: a parabola over the jump, zero on the sand.
        self._heights = (0, *(4 * config.jump_apex * (n - left) * left // (n * n) for left in range(1, n)))
        if compiled_frames is not None:
            lengths = [span[0] for span in SPANS]
            self.frame_writer = compiled_frames.ShellFrameWriter(self, LANES, self._heights, KIND_NAMES, lengths)
        if compiled_steps is not None and compiled_steps.holds(config):
            self.stepper = compiled_steps.ShellStepper(
                self,
                heights=self._heights,
                spans=SPANS,
                kind_names=KIND_NAMES,
                wall_masks=_WALL_MASKS,
                lanes=LANES,
                trail=_SHELL_TRAIL,
                trail_step=_SHELL_TRAIL_STEP,
                shell=SHELL,
                wall=WALL,
                actions=(LEFT, RIGHT, JUMP, DUCK),
            )

    def initial_state(self, seed: int) -> ShellState:
        c = self.config
        rows = self._spawn(0, c.first_row_at, (), seed_state(seed))
        return ShellState(0, 0, None, None, rows[2], 1, 0, 0, 0, 0, rows[0], rows[1])

    def step(self, state: ShellState, actions: tuple[str, ...]) -> Step:
        if state.end_reason is not None:
            return self._unchanged(state)
        c = self.config
        tick = state.tick + 1
        lane = state.lane
        jump_left = state.jump_left - 1 if state.jump_left else 0
        duck_left = state.duck_left - 1 if state.duck_left else 0
        for action in actions:
            if action == LEFT:
                lane = lane - 1 if lane else 0
            elif action == RIGHT:
                lane = lane + 1 if lane < LANES - 1 else lane
            elif jump_left == 0:
                if action == JUMP:
                    jump_left, duck_left = c.jump_ticks, 0
                elif action == DUCK:
                    duck_left = c.duck_ticks

        dist = state.dist + self.speed_at(tick)
        objects, next_row_at, rng = state.objects, state.next_row_at, state.rng
        while objects and objects[0][0] + SPANS[objects[0][2]][0] <= dist:
            objects = objects[1:]
        if next_row_at < dist + c.view_distance:
            next_row_at, objects, rng = self._spawn(dist, next_row_at, objects, rng)

        bottom = self._heights[jump_left]
        top = bottom + (c.duck_height if duck_left else c.crab_height)
        front = dist + c.crab_length
        shells, hit = state.shells, None
        collected: tuple[tuple[int, int, int], ...] = ()
        for obj in objects:
            at, obj_lane, kind = obj
            if at >= front:
                break
            length, low, high = SPANS[kind]
            if obj_lane == lane and at + length > dist and low < top and high > bottom:
                if kind == SHELL:
                    collected += (obj,)
                elif hit is None:
                    hit = KIND_NAMES[kind]
        if collected:
            shells += len(collected)
            objects = tuple(obj for obj in objects if obj not in collected)

        score = dist // c.units_per_point + shells * c.shell_points
        reason = COLLISION if hit else MAX_DURATION if tick >= c.max_ticks else None
        state = ShellState(
            tick, score, reason, hit, rng, lane, jump_left, duck_left, dist, shells, next_row_at, objects
        )
        return Step(state, reason is not None, reason, score)

    def _spawn(
        self, dist: int, at: int, objects: tuple[tuple[int, int, int], ...], rng: int
    ) -> tuple[int, tuple[tuple[int, int, int], ...], int]:
        """Add the rows that have come into view; returns (next row position, objects, rng)."""
        c = self.config
        while at < dist + c.view_distance:
            kind, rng = below(rng, 4)
            if kind == SHELL:
                lane, rng = below(rng, LANES)
                objects += tuple((at + i * _SHELL_TRAIL_STEP, lane, SHELL) for i in range(_SHELL_TRAIL))
            else:
                if kind == WALL:
                    pick, rng = below(rng, len(_WALL_MASKS))
                    mask = _WALL_MASKS[pick]
                else:
                    pick, rng = below(rng, 7)
                    mask = pick + 1
                with_shells, rng = below(rng, 2)
                row = tuple(
                    (at, lane, kind if mask >> lane & 1 else SHELL)
                    for lane in range(LANES)
                    if mask >> lane & 1 or with_shells
                )
                objects += row
            gap, rng = below(rng, c.row_gap_spread)
            at += c.row_gap_min + gap
        return at, objects, rng

    def frame(self, state: ShellState) -> dict[str, Any]:
        c = self.config
        dist = state.dist
        frame = self._frame_header(state)
        frame["world"] = {"lanes": LANES, "view_distance": c.view_distance, "crab_length": c.crab_length}
        frame["speed"] = self.speed_at(state.tick)
        frame["distance"] = dist
        frame["shells"] = state.shells
        frame["crab"] = {
            "lane": state.lane,
            "height": self._heights[state.jump_left],
            "pose": "jump" if state.jump_left else "duck" if state.duck_left else "run",
        }
        frame["objects"] = [
            {"kind": KIND_NAMES[kind], "lane": lane, "z": at - dist, "length": SPANS[kind][0]}
            for at, lane, kind in state.objects
        ]
        return frame
