"""Flappy Bots: a bot flaps through gaps in scrolling pipes. One action: ``flap``.

Rules (engine version 1), all in integer world units (1 px = 1000 units, y grows down,
the ceiling is y = 0 and the ground y = height):

- Each tick the bird's vertical speed becomes ``-flap_speed`` on a flap, otherwise it
  gains ``gravity`` up to ``terminal_velocity``; then the bird moves by it.
- The world scrolls left by a speed that grows by ``speed_step`` every
  ``speed_ramp_ticks`` up to ``speed_max``.
- Pipe ``i`` stands at world x ``first_pipe_x + i * pipe_spacing``; its gap narrows by
  ``gap_shrink`` per pipe down to ``gap_min`` and its centre is drawn from the PRNG when
  the pipe scrolls into view, within ``gap_max_shift`` of the previous one so a climb is
  always possible.
- Touching the ceiling, the ground or a pipe outside its gap ends the run ("collision").
- Score = pipes whose right edge the bird has fully passed.

Invariants: the bird stays within ``[radius, height - radius]``; the state keeps only
pipes at least partly on screen, ordered left to right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from streams.sim.base import EngineBase, check_positive, compiled_frames, compiled_steps
from streams.sim.engine import COLLISION, MAX_DURATION, Step
from streams.sim.prng import below, seed_state

FLAP = "flap"


@dataclass(frozen=True, slots=True)
class FlappyConfig:
    tick_rate: int = 30
    max_ticks: int = 30 * 60 * 5
    width: int = 288_000
    height: int = 512_000
    bird_x: int = 80_000
    bird_radius: int = 12_000
    gravity: int = 900
    flap_speed: int = 8_500
    terminal_velocity: int = 12_000
    pipe_width: int = 52_000
    pipe_spacing: int = 170_000
    first_pipe_x: int = 320_000
    gap_start: int = 140_000
    gap_min: int = 100_000
    gap_shrink: int = 1_000
    gap_margin: int = 50_000
    gap_max_shift: int = 90_000
    speed_start: int = 3_500
    speed_max: int = 5_000
    speed_step: int = 100
    speed_ramp_ticks: int = 300

    def __post_init__(self) -> None:
        check_positive(self)
        if self.gap_start + 2 * self.gap_margin >= self.height or self.gap_min > self.gap_start:
            raise ValueError("pipe gaps must fit between the margins and narrow towards gap_min")


class FlappyState(NamedTuple):
    tick: int
    score: int
    end_reason: str | None
    hit: str | None
    rng: int
    y: int
    vy: int
    # How far the world has scrolled: a pipe's screen x is its world x minus this.
    dist: int
    pipes_spawned: int
    # (world x, gap top, gap bottom) of the pipes on screen, left to right.
    pipes: tuple[tuple[int, int, int], ...]


class FlappyBots(EngineBase):
    slug = "flappy-bots"
    engine_version = 1
    actions = frozenset({FLAP})
    state_type = FlappyState

    def __init__(self, config: FlappyConfig | None = None) -> None:
        self.config = config = config or FlappyConfig()
        # One tuple unpacked per step is cheaper than a dozen attribute lookups.
        self._k = (
            config.gravity,
            config.flap_speed,
            config.terminal_velocity,
            config.width,
            config.height,
            config.bird_x,
            config.bird_radius,
            config.pipe_width,
            config.pipe_spacing,
            config.first_pipe_x,
            config.max_ticks,
        )
        if compiled_frames is not None:
            self.frame_writer = compiled_frames.FlappyFrameWriter(self)
        if compiled_steps is not None and compiled_steps.holds(config):
            self.stepper = compiled_steps.FlappyStepper(self, FLAP)

    def initial_state(self, seed: int) -> FlappyState:
        spawned, pipes, rng = self._spawn(0, 0, (), seed_state(seed))
        return FlappyState(0, 0, None, None, rng, self.config.height // 2, 0, 0, spawned, pipes)

    def step(self, state: FlappyState, actions: tuple[str, ...]) -> Step:
        if state.end_reason is not None:
            return self._unchanged(state)
        gravity, flap_speed, terminal, width, height, bird_x, r, pipe_w, spacing, first_x, max_ticks = self._k
        tick = state.tick + 1
        vy = -flap_speed if FLAP in actions else min(state.vy + gravity, terminal)
        y = state.y + vy
        dist = state.dist + self.speed_at(tick)
        spawned, pipes, rng = state.pipes_spawned, state.pipes, state.rng
        while pipes and pipes[0][0] + pipe_w <= dist:
            pipes = pipes[1:]
        if first_x + spawned * spacing < dist + width:
            spawned, pipes, rng = self._spawn(dist, spawned, pipes, rng)

        passed = dist + bird_x - r - first_x - pipe_w
        score = max(0, (passed + spacing - 1) // spacing)
        hit = None
        if y < r:
            hit, y = "ceiling", r
        elif y > height - r:
            hit, y = "ground", height - r
        else:
            for x, top, bottom in pipes:
                left = x - dist
                if left < bird_x + r and left + pipe_w > bird_x - r and (y - r < top or y + r > bottom):
                    hit = "pipe"
                    break
        reason = COLLISION if hit else MAX_DURATION if tick >= max_ticks else None
        state = FlappyState(tick, score, reason, hit, rng, y, vy, dist, spawned, pipes)
        return Step(state, reason is not None, reason, score)

    def _spawn(
        self, dist: int, spawned: int, pipes: tuple[tuple[int, int, int], ...], rng: int
    ) -> tuple[int, tuple[tuple[int, int, int], ...], int]:
        """Add the pipes that have scrolled into view, drawing their gaps from the PRNG."""
        c = self.config
        x = c.first_pipe_x + spawned * c.pipe_spacing
        while x < dist + c.width:
            half = max(c.gap_min, c.gap_start - spawned * c.gap_shrink) // 2
            previous = (pipes[-1][1] + pipes[-1][2]) // 2 if pipes else c.height // 2
            low = max(c.gap_margin + half, previous - c.gap_max_shift)
            high = min(c.height - c.gap_margin - half, previous + c.gap_max_shift)
            offset, rng = below(rng, high - low + 1)
            centre = low + offset
            pipes += ((x, centre - half, centre + half),)
            spawned += 1
            x += c.pipe_spacing
        return spawned, pipes, rng

    def frame(self, state: FlappyState) -> dict[str, Any]:
        c = self.config
        dist = state.dist
        frame = self._frame_header(state)
        frame["world"] = {"width": c.width, "height": c.height}
        frame["speed"] = self.speed_at(state.tick)
        frame["bird"] = {"x": c.bird_x, "y": state.y, "vy": state.vy, "radius": c.bird_radius}
        frame["pipes"] = [
            {"x": x - dist, "width": c.pipe_width, "gap_top": top, "gap_bottom": bottom}
            for x, top, bottom in state.pipes
        ]
        return frame
