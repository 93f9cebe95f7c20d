"""Signed sign-in nonces (app.nonces): any edge with the keys checks them, nothing is stored."""

from __future__ import annotations

import re

import pytest

from app.nonces import SignedNonces
from app.tokens import TokenKeys

NOW = 1_750_000_000.123
TTL = 300
ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
OTHER_ADDRESS = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
OLD = "old:" + "o" * 40
NEW = "new:" + "n" * 40


def test_a_nonce_is_checked_by_another_instance_with_the_same_keys() -> None:
    nonce = SignedNonces(TokenKeys.parse(NEW), TTL).issue(ADDRESS, NOW)
    assert re.fullmatch(r"[0-9a-f]{48}", nonce.value)
    assert (nonce.issued_at, nonce.expires_at) == (NOW, NOW + TTL)
    elsewhere = SignedNonces(TokenKeys.parse(NEW), TTL)
    assert elsewhere.issued(nonce.value, ADDRESS, nonce.issued_at, nonce.expires_at)


def test_every_nonce_is_new() -> None:
    nonces = SignedNonces(TokenKeys.parse(NEW), TTL)
    assert len({nonces.issue(ADDRESS, NOW).value for _ in range(100)}) == 100


@pytest.mark.parametrize(
    ("address", "issued_at", "expires_at"),
    [
        (OTHER_ADDRESS, NOW, NOW + TTL),
        (ADDRESS, NOW - 1, NOW + TTL),
        (ADDRESS, NOW, NOW + TTL + 1),
        (ADDRESS, NOW, NOW + 10),
    ],
    ids=["address", "issued-at", "later-expiry", "earlier-expiry"],
)
def test_a_nonce_proves_its_address_and_times(address: str, issued_at: float, expires_at: float) -> None:
    nonces = SignedNonces(TokenKeys.parse(NEW), TTL)
    nonce = nonces.issue(ADDRESS, NOW)
    assert not nonces.issued(nonce.value, address, issued_at, expires_at)


def test_times_are_proved_as_the_message_writes_them_to_the_millisecond() -> None:
    nonces = SignedNonces(TokenKeys.parse(NEW), TTL)
    nonce = nonces.issue(ADDRESS, NOW)
    # The message carries .123Z: what parse_iso gives back is what the nonce proves.
    assert nonces.issued(nonce.value, ADDRESS, 1_750_000_000.123, 1_750_000_300.123)


def test_rotation_an_old_key_still_verifies_until_dropped() -> None:
    issued = SignedNonces(TokenKeys.parse(OLD), TTL).issue(ADDRESS, NOW)
    args = (issued.value, ADDRESS, issued.issued_at, issued.expires_at)
    assert SignedNonces(TokenKeys.parse(f"{NEW},{OLD}"), TTL).issued(*args)
    assert not SignedNonces(TokenKeys.parse(NEW), TTL).issued(*args)


@pytest.mark.parametrize("value", ["", "abc", "G" * 48, "a" * 47, "a" * 49, "A" * 48])
def test_malformed_nonces_are_not_issued(value: str) -> None:
    assert not SignedNonces(TokenKeys.parse(NEW), TTL).issued(value, ADDRESS, NOW, NOW + TTL)
