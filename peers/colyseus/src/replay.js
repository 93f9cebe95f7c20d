// Replays runs through this engine for tests/peers: JSON in on stdin, JSON out on stdout.
//
// In:  {"runs": [{"seed": "<int>", "inputs": [["flap"], [], ...], "config": {...}?,
//                 "digest": bool?, "views": bool?}]}
//      inputs[i] holds the actions of the step to tick i + 1, as streams/sim/replay.py takes
//      them; config overrides CONFIG's fields (the tests' mutants).
// Out: {"config": CONFIG, "runs": [{"states" | "sha256", "frames"?, "actions"?}]}
//      the state after each step, stopping after the step that ended the run, each the
//      fields of our FlappyState in order (the PRNG state as a decimal string); with
//      digest, instead of the states, the SHA-256 of their compact JSON, one a line; with
//      views, each step's frame and the reference bot's answer to it.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { CONFIG, FLAP, frame, initialState, step } from "./flappy.js";
import { flappyPolicy } from "./policy.js";

function stateFields(s) {
  return [s.tick, s.score, s.endReason, s.hit, s.rng.toString(), s.y, s.vy, s.dist, s.pipesSpawned, s.pipes];
}

function replay({ seed, inputs, config = {}, digest = false, views = false }) {
  const c = { ...CONFIG, ...config };
  const out = { states: [] };
  const hash = createHash("sha256");
  if (views) {
    Object.assign(out, { frames: [], actions: [] });
  }
  let state = initialState(c, seed);
  for (const actions of inputs) {
    state = step(c, state, actions.includes(FLAP));
    if (digest) {
      hash.update(`${JSON.stringify(stateFields(state))}\n`);
    } else {
      out.states.push(stateFields(state));
    }
    if (views) {
      const seen = frame(c, state);
      out.frames.push(seen);
      out.actions.push(flappyPolicy(seen));
    }
    if (state.endReason !== null) {
      break;
    }
  }
  return digest ? { sha256: hash.digest("hex") } : out;
}

const request = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({ config: CONFIG, runs: request.runs.map(replay) }));
