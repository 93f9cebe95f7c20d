"""SplitMix64: a tiny seeded PRNG whose whole state is one 64-bit int.

The state lives inside each game state, so a run is reproducible from its seed alone.
Every function takes a state and returns ``(value, next_state)``; nothing is mutated.
Invariant: states and outputs are ints in ``0 .. 2**64 - 1``.
"""

from __future__ import annotations

MASK64 = (1 << 64) - 1
MAX_SEED = (1 << 63) - 1
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def seed_state(seed: int) -> int:
    """The PRNG state for a run seed; seeds outside ``0 .. 2**63 - 1`` are a caller bug."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in 0..{MAX_SEED}, got {seed}")
    return seed


def next_u64(state: int) -> tuple[int, int]:
    state = (state + _GOLDEN_GAMMA) & MASK64
    z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31), state


def below(state: int, bound: int) -> tuple[int, int]:
    """A value in ``0 .. bound - 1``; the multiply-shift keeps it unbiased enough for play
    and, unlike rejection sampling, always consumes exactly one draw."""
    value, state = next_u64(state)
    return (value * bound) >> 64, state
