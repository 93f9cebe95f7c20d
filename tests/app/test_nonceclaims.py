"""The decision of app.nonceclaims: in log order, the first claim of a nonce wins.

Claims through the real log, on several edges at once: tests/app/test_sign_in_any_edge.py.
"""

from __future__ import annotations

from app.nonceclaims import FirstClaims
from schemas.views import NonceClaimed

NOW = 1_750_000_000.0
KEEP_S = 10.0


def claim(nonce: str, claim_id: str, expires_at: float = NOW + 300) -> NonceClaimed:
    return NonceClaimed(nonce, claim_id, int(expires_at * 1000))


def test_the_first_claim_of_a_nonce_wins_and_every_later_one_loses() -> None:
    first = FirstClaims(KEEP_S)
    assert first.first(claim("n1", "a"), NOW)
    assert not first.first(claim("n1", "b"), NOW)
    assert not first.first(claim("n1", "a"), NOW + 1)  # the same claim read twice is no second win
    assert first.first(claim("n2", "c"), NOW + 1)


def test_a_claim_is_remembered_until_its_nonce_expired_and_no_claim_can_wait() -> None:
    first = FirstClaims(KEEP_S)
    first.first(claim("n1", "a", expires_at=NOW + 300), NOW)
    # A claim made just before expiry may be read back up to KEEP_S later: it still loses.
    assert not first.first(claim("n1", "b", expires_at=NOW + 300), NOW + 300 + KEEP_S - 0.001)
    first.first(claim("other", "c", expires_at=NOW + 600), NOW + 300 + KEEP_S)
    assert len(first) == 1  # n1 was forgotten; only the new nonce is held


def test_claims_of_long_expired_nonces_read_at_start_are_not_kept() -> None:
    first = FirstClaims(KEEP_S)
    for n in range(100):
        first.first(claim(f"old{n}", "x", expires_at=NOW - 3600), NOW)
    assert len(first) == 0


def test_memory_follows_the_nonces_still_usable() -> None:
    first = FirstClaims(KEEP_S)
    for n in range(1000):
        first.first(claim(f"n{n}", "x", expires_at=NOW + n), NOW + n - 300)
    # At NOW + 999 - 300 only the nonces expiring after NOW + 699 - KEEP_S are held.
    assert len(first) == 300 + int(KEEP_S)
