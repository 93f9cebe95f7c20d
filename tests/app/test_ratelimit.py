"""The per-client token bucket, with time passed in."""

from __future__ import annotations

from app.ratelimit import Decision, RateLimiter


def test_a_burst_is_allowed_then_refused_with_retry_after() -> None:
    limiter = RateLimiter(burst=3, per_s=0.5)
    assert [limiter.allow("a", 0.0) for _ in range(3)] == [Decision(True, 0)] * 3
    # One token refills in 2 s.
    assert limiter.allow("a", 0.0) == Decision(False, 2)
    assert limiter.allow("a", 1.5) == Decision(False, 1)
    assert limiter.allow("a", 2.0) == Decision(True, 0)
    assert limiter.allow("a", 2.0).allowed is False


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    limiter = RateLimiter(burst=1, per_s=10.0)
    assert limiter.allow("a", 0.0).allowed
    assert limiter.allow("a", 0.0) == Decision(False, 1)


def test_keys_have_separate_buckets() -> None:
    limiter = RateLimiter(burst=1, per_s=1.0)
    assert limiter.allow("a", 0.0).allowed
    assert not limiter.allow("a", 0.0).allowed
    assert limiter.allow("b", 0.0).allowed


def test_refill_never_exceeds_the_burst() -> None:
    limiter = RateLimiter(burst=2, per_s=1.0)
    limiter.allow("a", 0.0)
    results = [limiter.allow("a", 1000.0).allowed for _ in range(3)]
    assert results == [True, True, False]


def test_a_clock_stepping_back_does_not_drain_or_refill() -> None:
    limiter = RateLimiter(burst=1, per_s=1.0)
    assert limiter.allow("a", 10.0).allowed
    assert limiter.allow("a", 5.0) == Decision(False, 1)


def test_idle_buckets_are_evicted() -> None:
    limiter = RateLimiter(burst=2, per_s=1.0)
    limiter.allow("a", 0.0)
    limiter.allow("b", 1.0)
    assert len(limiter) == 2
    # At t=2 "a" has been idle for burst/per_s seconds: full again, so forgotten.
    limiter.allow("c", 2.0)
    assert len(limiter) == 2
    limiter.allow("d", 10.0)
    assert len(limiter) == 1


def test_memory_is_bounded_by_max_keys() -> None:
    limiter = RateLimiter(burst=1, per_s=0.001, max_keys=100)
    for n in range(1000):
        limiter.allow(f"client-{n}", 0.0)
    assert len(limiter) == 100
    # The most recent clients keep their (spent) buckets.
    assert not limiter.allow("client-999", 0.0).allowed


def test_a_single_key_limiter_still_limits() -> None:
    # The WebSocket edge keeps one limiter per socket with room for one key.
    limiter = RateLimiter(burst=3, per_s=1.0, max_keys=1)
    assert [limiter.allow("inputs", 100.0).allowed for _ in range(5)] == [True, True, True, False, False]
