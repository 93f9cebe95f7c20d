"""Exponential backoff with jitter, for every loop that retries Kafka.

Invariants: a delay is never below half of ``base_s`` (a retry never spins) and never
above ``cap_s`` (a returning broker is found within a few seconds); the ceiling doubles
on each failure until ``reset`` after a success. The jitter spreads the retries of
many processes that lost the same broker at the same moment.
"""

from __future__ import annotations

import random

BASE_S = 0.2
CAP_S = 3.0


class Backoff:
    def __init__(self, base_s: float = BASE_S, cap_s: float = CAP_S) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self._ceiling = base_s

    def next_delay(self) -> float:
        """The wait before the next retry: between half the current ceiling and the ceiling."""
        ceiling = self._ceiling
        self._ceiling = min(self.cap_s, ceiling * 2)
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self._ceiling = self.base_s
