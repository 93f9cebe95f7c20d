"""Sign-In with Ethereum (EIP-4361): the server's message, and checking a signed one.

The server builds the whole message (``build_message``) around a signed nonce
(``app.nonces``); the wallet signs its exact text with ``personal_sign`` (EIP-191) and
the client sends text and signature back, to any edge. ``verify`` accepts it only when
every one of these holds, checked in this order:

1. the text parses as the message shape this server writes (``parse_message``);
2. its domain, URI and chain id are this server's;
3. the signature recovers exactly the message's address;
4. the text is, in full, the one this server issued with that nonce: same statement,
   and the nonce proves the address, Issued At and Expiration Time were the server's;
5. its Expiration Time (the nonce's) has not passed.

Single use is the caller's last step (``app.nonceclaims``), so a nonce is only used up
by a correctly signed message: nobody can burn another person's nonce.

Failures raise ``WalletError`` with a stable code: ``INVALID_REQUEST`` (address,
message or signature malformed: not of the shapes ``ADDRESS_PATTERN``,
``MESSAGE_PATTERN`` and ``SIGNATURE_PATTERN`` say, which the API's schema states),
``DOMAIN_MISMATCH``, ``SIGNATURE_INVALID``, ``NONCE_INVALID`` (a message of the right
shape this server cannot have issued, such as an unchecksummed address or an impossible
date, included), ``NONCE_EXPIRED``. HTTP statuses are chosen by the route (``app.api.auth``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils import to_checksum_address

from app.nonces import SignedNonces
from app.timestamps import iso, parse_iso
from infra.settings import EdgeSettings

STATEMENT = "Sign in to MoltStation Live."
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_INSTANT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z"
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


def _schema_pattern(pattern: re.Pattern[str]) -> str:
    """``pattern`` as a JSON Schema states it: anchored, its groups unnamed (ECMA-262 has no ``?P<``)."""
    return "^" + re.sub(r"\(\?P<\w+>", "(", pattern.pattern) + "$"


ADDRESS_PATTERN = _schema_pattern(_ADDRESS)
SIGNATURE_PATTERN = _schema_pattern(_SIGNATURE)
MESSAGE_PATTERN = _schema_pattern(_MESSAGE)


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


def checksum_address(text: str) -> str:
    """The EIP-55 form of ``text``, in any case: the message names it so, and only the
    key of that address can sign the message, so a mistyped address signs nobody in."""
    if not _ADDRESS.fullmatch(text):
        raise WalletError("INVALID_REQUEST", "the address must be 0x followed by 40 hex digits")
    return to_checksum_address(text)


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
    # Of the right shape, but not what this server writes: EIP-4361's checksummed address, real dates.
    address = match["address"]
    if address != to_checksum_address(address):
        raise WalletError(
            "NONCE_INVALID", "the message's address is not EIP-55 checksummed: this server did not issue it"
        )
    issued_at, expiration = parse_iso(match["issued_at"]), parse_iso(match["expiration"])
    if issued_at is None or expiration is None:
        raise WalletError("NONCE_INVALID", "the message has an impossible timestamp: this server did not issue it")
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


def verify(message: str, signature: str, nonces: SignedNonces, settings: EdgeSettings, now: float) -> SiweMessage:
    """The message, once it passes every check of the module docstring; its nonce is not used up yet."""
    parsed = parse_message(message)
    expected = (settings.siwe_domain, settings.siwe_uri, settings.siwe_chain_id)
    if (parsed.domain, parsed.uri, parsed.chain_id) != expected:
        raise WalletError("DOMAIN_MISMATCH", "the message was made for another site, URI or chain")
    if recover_signer(message, signature) != parsed.address:
        raise WalletError("SIGNATURE_INVALID", "the signature was not made by the message's address")
    issued = build_message(*expected, parsed.address, parsed.nonce, parsed.issued_at, parsed.expiration)
    if message != issued or not nonces.issued(parsed.nonce, parsed.address, parsed.issued_at, parsed.expiration):
        raise WalletError("NONCE_INVALID", "the message is not the one this server issued with its nonce")
    if now >= parsed.expiration:
        raise WalletError("NONCE_EXPIRED", "the nonce has expired; request a new one")
    return parsed
