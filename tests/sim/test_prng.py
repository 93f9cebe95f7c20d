from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.sim.prng import MASK64, MAX_SEED, below, next_u64, seed_state


def test_matches_the_splitmix64_reference_sequence() -> None:
    first, state = next_u64(seed_state(0))
    second, _ = next_u64(state)
    assert (first, second) == (0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4)


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1])
def test_rejects_seeds_out_of_range(seed: int) -> None:
    with pytest.raises(ValueError):
        seed_state(seed)


@given(st.integers(0, MASK64), st.integers(1, 10**12))
def test_below_stays_in_range_and_advances(state: int, bound: int) -> None:
    value, next_state = below(state, bound)
    assert 0 <= value < bound
    assert 0 <= next_state <= MASK64 and next_state != state
