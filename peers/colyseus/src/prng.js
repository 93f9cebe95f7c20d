// SplitMix64, the PRNG of streams/sim/prng.py: the same states and draws, in BigInt.
//
// The whole generator state is one unsigned 64-bit integer (a BigInt in 0 .. 2**64 - 1)
// kept in the game state; every function takes a state and returns [value, nextState].

const MASK64 = (1n << 64n) - 1n;
const MAX_SEED = (1n << 63n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

export function seedState(seed) {
  const state = BigInt(seed);
  if (state < 0n || state > MAX_SEED) {
    throw new RangeError(`seed must be in 0..${MAX_SEED}, got ${seed}`);
  }
  return state;
}

export function nextU64(state) {
  const next = (state + GOLDEN_GAMMA) & MASK64;
  let z = ((next ^ (next >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [z ^ (z >> 31n), next];
}

// A value in 0 .. bound - 1 (a Number), always from exactly one draw: multiply-shift.
export function below(state, bound) {
  const [value, next] = nextU64(state);
  return [Number((value * BigInt(bound)) >> 64n), next];
}
