"""Backoff: grows, stays within its bounds, starts over after a success."""

from __future__ import annotations

from infra.backoff import Backoff


def test_delays_double_up_to_the_cap_and_never_spin() -> None:
    backoff = Backoff(base_s=0.2, cap_s=3.0)
    delays = [backoff.next_delay() for _ in range(50)]
    assert 0.1 <= delays[0] <= 0.2
    assert 0.2 <= delays[1] <= 0.4
    assert all(1.5 <= delay <= 3.0 for delay in delays[5:])  # capped: ceiling 3.0, floor half of it


def test_reset_starts_over() -> None:
    backoff = Backoff(base_s=0.2, cap_s=3.0)
    for _ in range(10):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 0.2
