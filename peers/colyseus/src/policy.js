// The Flappy Bots reference bot of streams/sim/bots.py (flappy_policy), ported: a frame in,
// "flap" or null out. The benches' players on both stacks play with it, so both carry
// the same load; tests/peers holds its answers to our bot's over a long run.

import { CONFIG } from "./flappy.js";

// How far above the gap's lower edge the bird's underside should stay.
const FLAP_CLEARANCE = 8_000;

// The bird's [y, vy] after `ticks` ticks unflapped, by the rules' gravity.
function fall(y, vy, ticks) {
  for (let n = 0; n < ticks; n += 1) {
    vy = Math.min(vy + CONFIG.gravity, CONFIG.terminal_velocity);
    y += vy;
  }
  return [y, vy];
}

// The pipe to fly for: the first not yet behind the bird once the lead has scrolled by.
function pipeAhead(frame, leadTicks) {
  const back = frame.bird.x - frame.bird.radius;
  const scrolled = leadTicks * frame.speed;
  return frame.pipes.find((pipe) => pipe.x - scrolled + pipe.width > back) ?? null;
}

// Flap whenever the bird, moving down, would sink below the next gap's floor.
export function flappyPolicy(frame, leadTicks = 0) {
  if (frame.ended) {
    return null;
  }
  const r = frame.bird.radius;
  const [y, vy] = fall(frame.bird.y, frame.bird.vy, leadTicks);
  const pipe = pipeAhead(frame, leadTicks);
  const floor = pipe === null ? frame.world.height - r : pipe.gap_bottom - r - FLAP_CLEARANCE;
  return vy >= 0 && y + vy > floor ? "flap" : null;
}
