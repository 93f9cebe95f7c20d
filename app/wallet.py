"""Sign-In with Ethereum (EIP-4361): the server's message, and checking a signed one.

The server builds the whole message (``build_message``); the wallet signs its exact text
with ``personal_sign`` (EIP-191) and the client sends text and signature back. ``verify``
accepts it only when every one of these holds, checked in this order:

1. the text parses as the message shape this server writes (``parse_message``);
2. its domain, URI and chain id are this server's;
3. the signature recovers exactly the message's address;
4. its nonce was issued by this store for that address, is unused and unexpired —
   and is consumed now, so a message signs in at most once;
5. its Expiration Time has not passed.

A nonce is only consumed by a correctly signed message, so nobody can burn another
person's nonce with a bad signature.

Nonces live in the memory of the edge that issued them: the nonce and verify calls must
reach the same edge (sticky routing) until nonces move to a shared store; ``NonceStore``
is the seam for that.

Failures raise ``WalletError`` with a stable code: ``INVALID_REQUEST`` (address,
message or signature malformed), ``DOMAIN_MISMATCH``, ``SIGNATURE_INVALID``,
``NONCE_INVALID``, ``NONCE_EXPIRED``, ``MESSAGE_EXPIRED``. HTTP statuses are chosen
by the route (``app.api.auth``).
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from app.timestamps import iso, parse_iso
from infra.settings import EdgeSettings

STATEMENT = "Sign in to MoltStation Live."
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_INSTANT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z"
# The one shape ``build_message`` writes; anything else is refused, not guessed at.
_MESSAGE = re.compile(
    r"(?P<domain>[^\s/]+) wants you to sign in with your Ethereum account:\n"
    r"(?P<address>0x[0-9a-fA-F]{40})\n"
    r"\n"
    r"(?P<statement>[^\n]+)\n"
    r"\n"
    r"URI: (?P<uri>\S+)\n"
    r"Version: 1\n"
    r"Chain ID: (?P<chain_id>[1-9][0-9]{0,17})\n"
    r"Nonce: (?P<nonce>[A-Za-z0-9]{8,64})\n"
    rf"Issued At: (?P<issued_at>{_INSTANT})\n"
    rf"Expiration Time: (?P<expiration>{_INSTANT})"
)


class WalletError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str  # checksummed
    statement: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: float
    expiration: float


@dataclass(frozen=True)
class Nonce:
    value: str
    address: str
    expires_at: float


class NonceStore(Protocol):
    """Single-use, expiring nonces, each bound to the address it was issued for."""

    def issue(self, address: str, now: float) -> Nonce: ...

    def consume(self, value: str, address: str, now: float) -> None:
        """Use the nonce up, or raise ``WalletError`` (NONCE_INVALID | NONCE_EXPIRED)."""


class MemoryNonceStore:
    """A ``NonceStore`` in this process's memory, bounded to ``capacity`` nonces.

    Issuing is unauthenticated, so memory is bounded: expired nonces are swept as new
    ones are issued, and past capacity the oldest outstanding nonce is dropped (it
    then reads as NONCE_INVALID; its owner asks for a new one).
    """

    def __init__(self, ttl_s: float, capacity: int = 100_000) -> None:
        self._ttl_s = ttl_s
        self._capacity = capacity
        # Insertion order is expiry order, because every nonce gets the same TTL.
        self._nonces: OrderedDict[str, Nonce] = OrderedDict()

    def __len__(self) -> int:
        return len(self._nonces)

    def issue(self, address: str, now: float) -> Nonce:
        self._sweep(now)
        while len(self._nonces) >= self._capacity:
            self._nonces.popitem(last=False)
        # Hex keeps the nonce alphanumeric, as EIP-4361 requires.
        nonce = Nonce(secrets.token_hex(16), address, now + self._ttl_s)
        self._nonces[nonce.value] = nonce
        return nonce

    def consume(self, value: str, address: str, now: float) -> None:
        nonce = self._nonces.get(value)
        if nonce is None or nonce.address != address:
            raise WalletError("NONCE_INVALID", "the nonce was not issued here for this address, or was already used")
        del self._nonces[value]
        if now >= nonce.expires_at:
            raise WalletError("NONCE_EXPIRED", "the nonce has expired; request a new one")

    def _sweep(self, now: float) -> None:
        while self._nonces:
            oldest = next(iter(self._nonces.values()))
            if now < oldest.expires_at:
                return
            del self._nonces[oldest.value]


def checksum_address(text: str) -> str:
    """The EIP-55 form of ``text``; a mixed-case address must already be correctly checksummed."""
    if not _ADDRESS.fullmatch(text):
        raise WalletError("INVALID_REQUEST", "the address must be 0x followed by 40 hex digits")
    checksummed = to_checksum_address(text)
    digits = text[2:]
    if digits != digits.lower() and digits != digits.upper() and text != checksummed:
        raise WalletError("INVALID_REQUEST", "the address has a wrong EIP-55 checksum")
    return checksummed


def build_message(
    domain: str, uri: str, chain_id: int, address: str, nonce: str, issued_at: float, expiration: float
) -> str:
    return (
        f"{domain} wants you to sign in with your Ethereum account:\n"
        f"{address}\n"
        f"\n"
        f"{STATEMENT}\n"
        f"\n"
        f"URI: {uri}\n"
        f"Version: 1\n"
        f"Chain ID: {chain_id}\n"
        f"Nonce: {nonce}\n"
        f"Issued At: {iso(issued_at)}\n"
        f"Expiration Time: {iso(expiration)}"
    )


def parse_message(text: str) -> SiweMessage:
    match = _MESSAGE.fullmatch(text)
    if match is None:
        raise WalletError("INVALID_REQUEST", "the message is not a Sign-In with Ethereum message from this server")
    # EIP-4361 requires the address in its checksummed form.
    address = match["address"]
    if address != to_checksum_address(address):
        raise WalletError("INVALID_REQUEST", "the message's address is not EIP-55 checksummed")
    issued_at, expiration = parse_iso(match["issued_at"]), parse_iso(match["expiration"])
    if issued_at is None or expiration is None:
        raise WalletError("INVALID_REQUEST", "the message has an impossible timestamp")
    return SiweMessage(
        domain=match["domain"],
        address=address,
        statement=match["statement"],
        uri=match["uri"],
        chain_id=int(match["chain_id"]),
        nonce=match["nonce"],
        issued_at=issued_at,
        expiration=expiration,
    )


def recover_signer(text: str, signature: str) -> str:
    """The checksummed address whose key made the EIP-191 ``signature`` of ``text``."""
    if not _SIGNATURE.fullmatch(signature):
        raise WalletError("INVALID_REQUEST", "the signature must be 0x followed by 130 hex digits")
    try:
        return Account.recover_message(encode_defunct(text=text), signature=signature)
    except (BadSignature, ValueError):  # impossible r, s or v
        raise WalletError("SIGNATURE_INVALID", "the signature is not a valid Ethereum signature") from None


def verify(message: str, signature: str, store: NonceStore, settings: EdgeSettings, now: float) -> str:
    """The checksummed address that signed in with ``message``; see the module docstring."""
    parsed = parse_message(message)
    expected = (settings.siwe_domain, settings.siwe_uri, settings.siwe_chain_id)
    if (parsed.domain, parsed.uri, parsed.chain_id) != expected:
        raise WalletError("DOMAIN_MISMATCH", "the message was made for another site, URI or chain")
    if recover_signer(message, signature) != parsed.address:
        raise WalletError("SIGNATURE_INVALID", "the signature was not made by the message's address")
    store.consume(parsed.nonce, parsed.address, now)
    if now >= parsed.expiration:
        raise WalletError("MESSAGE_EXPIRED", "the message's Expiration Time has passed; sign in again")
    return parsed.address
