// Flappy Bots, engine version 1: the rules of streams/sim/flappy.py, ported line for line.
//
// Pure and deterministic like the original: integers only (every value stays far inside
// Number's exact range; the PRNG runs in BigInt), no clock, no Math.random. Same seed
// and same inputs give the same state, tick by tick, as our engine: tests/peers holds
// the two equal. The config keeps the Python field names so the two compare key by key.

import { below, seedState } from "./prng.js";

export const FLAP = "flap";
export const COLLISION = "collision";
export const MAX_DURATION = "max_duration";

export const CONFIG = Object.freeze({
  tick_rate: 30,
  max_ticks: 30 * 60 * 5,
  width: 288_000,
  height: 512_000,
  bird_x: 80_000,
  bird_radius: 12_000,
  gravity: 900,
  flap_speed: 8_500,
  terminal_velocity: 12_000,
  pipe_width: 52_000,
  pipe_spacing: 170_000,
  first_pipe_x: 320_000,
  gap_start: 140_000,
  gap_min: 100_000,
  gap_shrink: 1_000,
  gap_margin: 50_000,
  gap_max_shift: 90_000,
  speed_start: 3_500,
  speed_max: 5_000,
  speed_step: 100,
  speed_ramp_ticks: 300,
});

// Python's a // b: the quotient rounded down, computed exactly (a - r is a multiple of b).
export function floorDiv(a, b) {
  const r = a % b;
  return (a - r) / b - (r !== 0 && r < 0 !== b < 0 ? 1 : 0);
}

export function speedAt(c, tick) {
  return Math.min(c.speed_max, c.speed_start + floorDiv(tick, c.speed_ramp_ticks) * c.speed_step);
}

// A state: {tick, score, endReason, hit, rng, y, vy, dist, pipesSpawned, pipes}, where
// dist is how far the world has scrolled and pipes holds [world x, gap top, gap bottom]
// of the pipes on screen, left to right.
export function initialState(c, seed) {
  const [pipesSpawned, pipes, rng] = spawn(c, 0, 0, [], seedState(seed));
  return {
    tick: 0,
    score: 0,
    endReason: null,
    hit: null,
    rng,
    y: floorDiv(c.height, 2),
    vy: 0,
    dist: 0,
    pipesSpawned,
    pipes,
  };
}

// The state after one tick with `flap` pressed or not; an ended state stays as it is.
export function step(c, state, flap) {
  if (state.endReason !== null) {
    return state;
  }
  const r = c.bird_radius;
  const tick = state.tick + 1;
  const vy = flap ? -c.flap_speed : Math.min(state.vy + c.gravity, c.terminal_velocity);
  let y = state.y + vy;
  const dist = state.dist + speedAt(c, tick);
  let pipes = state.pipes;
  let first = 0;
  while (first < pipes.length && pipes[first][0] + c.pipe_width <= dist) {
    first += 1;
  }
  pipes = pipes.slice(first);
  let [spawned, rng] = [state.pipesSpawned, state.rng];
  if (c.first_pipe_x + spawned * c.pipe_spacing < dist + c.width) {
    [spawned, pipes, rng] = spawn(c, dist, spawned, pipes, rng);
  }

  const passed = dist + c.bird_x - r - c.first_pipe_x - c.pipe_width;
  const score = Math.max(0, floorDiv(passed + c.pipe_spacing - 1, c.pipe_spacing));
  let hit = null;
  if (y < r) {
    [hit, y] = ["ceiling", r];
  } else if (y > c.height - r) {
    [hit, y] = ["ground", c.height - r];
  } else {
    for (const [x, top, bottom] of pipes) {
      const left = x - dist;
      if (left < c.bird_x + r && left + c.pipe_width > c.bird_x - r && (y - r < top || y + r > bottom)) {
        hit = "pipe";
        break;
      }
    }
  }
  const endReason = hit !== null ? COLLISION : tick >= c.max_ticks ? MAX_DURATION : null;
  return { tick, score, endReason, hit, rng, y, vy, dist, pipesSpawned: spawned, pipes };
}

// Add the pipes that have scrolled into view, drawing their gaps from the PRNG.
function spawn(c, dist, spawned, pipes, rng) {
  const added = [...pipes];
  let x = c.first_pipe_x + spawned * c.pipe_spacing;
  while (x < dist + c.width) {
    const half = floorDiv(Math.max(c.gap_min, c.gap_start - spawned * c.gap_shrink), 2);
    const last = added[added.length - 1];
    const previous = last ? floorDiv(last[1] + last[2], 2) : floorDiv(c.height, 2);
    const low = Math.max(c.gap_margin + half, previous - c.gap_max_shift);
    const high = Math.min(c.height - c.gap_margin - half, previous + c.gap_max_shift);
    let offset;
    [offset, rng] = below(rng, high - low + 1);
    const centre = low + offset;
    added.push([x, centre - half, centre + half]);
    spawned += 1;
    x += c.pipe_spacing;
  }
  return [spawned, added, rng];
}

// What a client sees of a state: the frame of streams/sim/flappy.py, key for key.
export function frame(c, state) {
  const ended = state.endReason !== null;
  return {
    game: "flappy-bots",
    tick: state.tick,
    score: state.score,
    alive: !ended,
    ended,
    end_reason: state.endReason,
    hit: state.hit,
    world: { width: c.width, height: c.height },
    speed: speedAt(c, state.tick),
    bird: { x: c.bird_x, y: state.y, vy: state.vy, radius: c.bird_radius },
    pipes: state.pipes.map(([x, top, bottom]) => ({
      x: x - state.dist,
      width: c.pipe_width,
      gap_top: top,
      gap_bottom: bottom,
    })),
  };
}
