"""Sign-In with Ethereum: messages the server builds, signed by a real test key."""

from __future__ import annotations

import re

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from app.nonces import SignedNonces
from app.tokens import TokenKeys
from app.wallet import (
    MESSAGE_PATTERN,
    STATEMENT,
    SiweMessage,
    WalletError,
    build_message,
    checksum_address,
    parse_message,
    verify,
)
from infra.settings import EdgeSettings

NOW = 1_750_000_000.0
TTL = 300.0
# Fixed, well-known test keys (never funded); fixed so failures reproduce.
KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
OTHER_KEY = "0x" + "11" * 32
SIGNER = Account.from_key(KEY)
SETTINGS = EdgeSettings(siwe_domain="live.molt.test", siwe_uri="https://live.molt.test", siwe_chain_id=1)
KEYS = TokenKeys.parse("k1:" + "s" * 40)


def sign(text: str, key: str = KEY) -> str:
    return "0x" + Account.sign_message(encode_defunct(text=text), private_key=key).signature.hex()


def issue(store: SignedNonces, now: float = NOW, **overrides: object) -> str:
    """A message as the nonce route builds it, with fields optionally overridden."""
    nonce = store.issue(SIGNER.address, now)
    fields = {
        "domain": SETTINGS.siwe_domain,
        "uri": SETTINGS.siwe_uri,
        "chain_id": SETTINGS.siwe_chain_id,
        "address": SIGNER.address,
        "nonce": nonce.value,
        "issued_at": nonce.issued_at,
        "expiration": nonce.expires_at,
    } | overrides
    return build_message(**fields)


def example_message() -> str:
    return build_message(
        "live.molt.test", "https://live.molt.test", 1, SIGNER.address, "abcdef0123456789", NOW, NOW + 300
    )


def expect(code: str, message: str, signature: str, store: SignedNonces, now: float = NOW + 1) -> None:
    with pytest.raises(WalletError) as caught:
        verify(message, signature, store, SETTINGS, now)
    assert caught.value.code == code, caught.value.message


@pytest.fixture
def store() -> SignedNonces:
    return SignedNonces(KEYS, TTL)


def test_message_has_the_eip4361_text_and_parses_back() -> None:
    text = example_message()
    assert text == (
        "live.molt.test wants you to sign in with your Ethereum account:\n"
        f"{SIGNER.address}\n\n{STATEMENT}\n\n"
        "URI: https://live.molt.test\nVersion: 1\nChain ID: 1\nNonce: abcdef0123456789\n"
        "Issued At: 2025-06-15T15:06:40.000Z\nExpiration Time: 2025-06-15T15:11:40.000Z"
    )
    assert parse_message(text) == SiweMessage(
        "live.molt.test", SIGNER.address, STATEMENT, "https://live.molt.test", 1, "abcdef0123456789", NOW, NOW + 300
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "\n",
        lambda t: t.replace("Version: 1", "Version: 2"),
        lambda t: t.replace("Chain ID: 1", "Chain ID: one"),
        lambda t: t.replace("Nonce: ", "Nonce: !"),
        lambda t: t.replace(".000Z", ".000+01:00", 1),
        lambda t: t.replace("\n\n", "\n", 1),
        lambda t: "",
    ],
    ids=["trailing", "version", "chain", "nonce", "offset", "layout", "empty"],
)
def test_parse_refuses_anything_but_the_servers_shape(mangle) -> None:
    text = example_message()
    assert re.fullmatch(MESSAGE_PATTERN, text) and not re.fullmatch(MESSAGE_PATTERN, mangle(text))
    with pytest.raises(WalletError) as caught:
        parse_message(mangle(text))
    assert caught.value.code == "INVALID_REQUEST"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("2025-06-15", "2025-13-15", 1),
        lambda t: t.replace(SIGNER.address, SIGNER.address.lower()),
    ],
    ids=["month", "unchecksummed"],
)
def test_a_message_of_the_servers_shape_it_cannot_have_written_is_not_its_nonce(mangle) -> None:
    # The schema lets it through (its shape is right): it is refused as a credential, not as a body.
    text = mangle(example_message())
    assert re.fullmatch(MESSAGE_PATTERN, text)
    with pytest.raises(WalletError) as caught:
        parse_message(text)
    assert caught.value.code == "NONCE_INVALID"


def test_a_signed_message_signs_in_its_address(store: SignedNonces) -> None:
    message = issue(store)
    signed = verify(message, sign(message), store, SETTINGS, NOW + 1)
    # The nonce is the caller's to use up (app.nonceclaims), once every check passed.
    assert (signed.address, signed.nonce) == (SIGNER.address, parse_message(message).nonce)


def test_an_expired_nonce_is_refused(store: SignedNonces) -> None:
    message = issue(store)
    expect("NONCE_EXPIRED", message, sign(message), store, now=NOW + TTL)


@pytest.mark.parametrize(
    "override",
    [{"expiration": NOW + 10}, {"expiration": NOW + 10 * TTL}, {"issued_at": NOW - 60}],
    ids=["shorter", "longer", "issued-earlier"],
)
def test_a_message_with_other_times_than_issued_is_refused(store: SignedNonces, override: dict) -> None:
    # The nonce carries the times the server wrote: signed by the owner, other times are refused.
    message = issue(store, **override)
    expect("NONCE_INVALID", message, sign(message), store)


def test_a_message_with_another_statement_signed_by_its_owner_is_refused(store: SignedNonces) -> None:
    message = issue(store).replace(STATEMENT, "Sign in and approve everything.")
    expect("NONCE_INVALID", message, sign(message), store)


def test_a_nonce_this_server_never_issued_is_refused(store: SignedNonces) -> None:
    message = issue(SignedNonces(TokenKeys.parse("other:" + "o" * 40), TTL))
    expect("NONCE_INVALID", message, sign(message), store)


def test_a_nonce_issued_for_another_address_is_refused(store: SignedNonces) -> None:
    other = Account.from_key(OTHER_KEY)
    nonce = store.issue(other.address, NOW)
    message = build_message(
        SETTINGS.siwe_domain, SETTINGS.siwe_uri, 1, SIGNER.address, nonce.value, NOW, nonce.expires_at
    )
    expect("NONCE_INVALID", message, sign(message), store)


@pytest.mark.parametrize(
    "override",
    [{"domain": "evil.test"}, {"uri": "https://evil.test"}, {"chain_id": 5}],
    ids=["domain", "uri", "chain"],
)
def test_a_message_for_another_site_is_refused(store: SignedNonces, override: dict) -> None:
    message = issue(store, **override)
    expect("DOMAIN_MISMATCH", message, sign(message), store)


def test_a_signature_from_another_key_is_refused_and_keeps_the_nonce(store: SignedNonces) -> None:
    message = issue(store)
    expect("SIGNATURE_INVALID", message, sign(message, OTHER_KEY), store)
    # A bad signature must not burn the owner's nonce.
    assert verify(message, sign(message), store, SETTINGS, NOW + 1).address == SIGNER.address


def test_a_tampered_message_is_refused(store: SignedNonces) -> None:
    message = issue(store)
    signature = sign(message)
    tampered = message.replace(STATEMENT, "Sign in to something else.")
    expect("SIGNATURE_INVALID", tampered, signature, store)


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("0x1234", "INVALID_REQUEST"),
        ("zz" * 65, "INVALID_REQUEST"),
        ("0x" + "g" * 130, "INVALID_REQUEST"),
        ("0x" + "00" * 65, "SIGNATURE_INVALID"),
        ("0x" + "ff" * 65, "SIGNATURE_INVALID"),
        ("0x" + "11" * 64 + "05", "SIGNATURE_INVALID"),
    ],
    ids=["short", "no-prefix", "not-hex", "zero", "out-of-range", "bad-v"],
)
def test_malformed_signatures_are_refused(store: SignedNonces, signature: str, code: str) -> None:
    expect(code, issue(store), signature, store)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        # Mixed case with a wrong checksum: any case is taken (only the address's key can sign).
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    ],
)
def test_addresses_are_checksummed(text: str, expected: str) -> None:
    assert checksum_address(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x123",
        "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x" + "g" * 40,
    ],
    ids=["empty", "short", "no-prefix", "not-hex"],
)
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(WalletError) as caught:
        checksum_address(text)
    assert caught.value.code == "INVALID_REQUEST"
