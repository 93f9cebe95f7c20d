"""Sign-in nonces that any edge can check without having issued them.

A nonce is 16 random hex digits followed by 32 hex digits of an HMAC-SHA256, under the
edge's token signing key, of that salt, the address it was issued for and the message's
Issued At and Expiration Time (as the message writes them). So the nonce proves which
address and times the server issued it with, on every edge sharing the keys, and
nothing about it is stored. Rotation follows the token keys: the first key signs, every
key verifies.

A nonce says nothing about having been used: single use is ``app.nonceclaims``' job.
The MAC's input starts with its own label and holds newlines, which a JWT's signing
input never does: a nonce MAC can never pass for a token signature, or the reverse.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from app.timestamps import iso
from app.tokens import TokenKeys

_LABEL = "molt-siwe-nonce"
_SALT_HEX = 16
_MAC_HEX = 32
_NONCE = re.compile(rf"[0-9a-f]{{{_SALT_HEX + _MAC_HEX}}}")


@dataclass(frozen=True)
class Nonce:
    value: str
    issued_at: float
    expires_at: float


class SignedNonces:
    def __init__(self, keys: TokenKeys, ttl_s: float) -> None:
        self._keys = keys
        self._ttl_s = ttl_s

    def issue(self, address: str, now: float) -> Nonce:
        """A nonce for ``address``, valid from ``now`` for the TTL; alphanumeric, as EIP-4361 requires."""
        salt = secrets.token_hex(_SALT_HEX // 2)
        expires_at = now + self._ttl_s
        mac = _mac(self._keys.signing.secret, salt, address, now, expires_at)
        return Nonce(salt + mac, now, expires_at)

    def issued(self, nonce: str, address: str, issued_at: float, expires_at: float) -> bool:
        """Whether some configured key issued ``nonce`` for exactly this address and these times."""
        if not _NONCE.fullmatch(nonce):
            return False
        salt, mac = nonce[:_SALT_HEX], nonce[_SALT_HEX:]
        return any(
            hmac.compare_digest(mac, _mac(key.secret, salt, address, issued_at, expires_at)) for key in self._keys.keys
        )


def _mac(secret: bytes, salt: str, address: str, issued_at: float, expires_at: float) -> str:
    text = "\n".join((_LABEL, salt, address, iso(issued_at), iso(expires_at)))
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:_MAC_HEX]
