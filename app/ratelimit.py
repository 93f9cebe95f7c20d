"""A token bucket per client key (the client's address), with bounded memory.

Each key may spend up to ``burst`` requests at once, refilled at ``per_s`` a second.
Time is passed in, so tests control it.

Memory stays bounded: a bucket idle long enough to have refilled completely is the
same as no bucket, so it is dropped without changing any answer. Past ``max_keys``
live buckets the least recently used is dropped too; that key then starts with a
fresh burst, the price of the bound.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import NamedTuple


class Decision(NamedTuple):
    allowed: bool
    retry_after_s: int  # 0 when allowed; whole seconds, at least 1, when not


class _Bucket:
    __slots__ = ("tokens", "updated_at")

    def __init__(self, tokens: float, updated_at: float) -> None:
        self.tokens = tokens
        self.updated_at = updated_at


class RateLimiter:
    def __init__(self, burst: int, per_s: float, max_keys: int = 10_000) -> None:
        self._burst = burst
        self._per_s = per_s
        self._max_keys = max_keys
        self._refill_s = burst / per_s
        # Least recently used first.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, key: str, now: float) -> Decision:
        bucket = self._buckets.pop(key, None) or _Bucket(float(self._burst), now)
        # With this key's bucket taken out, eviction makes room for exactly it.
        self._evict(now)
        # max(0, ...): an earlier clock reading (e.g. a clock step) must not drain the bucket.
        elapsed = max(0.0, now - bucket.updated_at)
        bucket.tokens = min(float(self._burst), bucket.tokens + elapsed * self._per_s)
        bucket.updated_at = now
        self._buckets[key] = bucket
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Decision(True, 0)
        return Decision(False, max(1, math.ceil((1.0 - bucket.tokens) / self._per_s)))

    def _evict(self, now: float) -> None:
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if now - oldest.updated_at < self._refill_s and len(self._buckets) < self._max_keys:
                return
            del self._buckets[key]
