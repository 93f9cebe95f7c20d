"""Signed, short-lived tokens: session tokens (``play`` | ``spectate``) and access tokens.

A session token is scoped to one role, one game and one session; a socket presents it
once, when it authenticates. An access token is a wallet's access session (``access``
role, subject = checksummed address). Each kind is refused where the other is expected.

Tokens are JWTs signed with HS256; the header's ``kid`` names the key. Rotation: the
first configured key signs, every configured key verifies, so a new key is prepended
and the old one dropped once nothing it signed can still be alive. Outside development
an empty key list refuses to start: there is no default secret in production.

Verification failures raise ``TokenError`` with a stable code:
``TOKEN_INVALID`` (malformed, bad signature, unknown key), ``TOKEN_EXPIRED``, and
``FORBIDDEN`` (genuine, but for another role, game or session).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from app.timestamps import iso
from infra.settings import EdgeSettings

Role = Literal["play", "spectate"]
ACCESS_ROLE = "access"
ALGORITHM = "HS256"
# RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
MIN_SECRET_BYTES = 32
DEVELOPMENT_KEY_ID = "dev"
DEVELOPMENT_SECRET = "molt-development-only-token-secret-never-deploy"
_REQUIRED_CLAIMS = ["role", "sub", "iat", "exp", "jti"]


class TokenConfigError(ValueError):
    """The configured signing keys are unusable; raised at startup."""


TokenErrorCode = Literal["TOKEN_EXPIRED", "TOKEN_INVALID", "FORBIDDEN"]


class TokenError(Exception):
    def __init__(self, code: TokenErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenKey:
    kid: str
    secret: bytes


@dataclass(frozen=True)
class TokenKeys:
    """The signing key first, then every other key still accepted."""

    keys: tuple[TokenKey, ...]

    @classmethod
    def parse(cls, text: str) -> TokenKeys:
        """Keys from ``"kid:secret,kid:secret"``."""
        keys: list[TokenKey] = []
        for position, entry in enumerate(filter(None, (part.strip() for part in text.split(","))), 1):
            kid, sep, secret = entry.partition(":")
            if not sep or not kid or not secret:
                # Name the entry by position: its text may be a secret missing its kid.
                raise TokenConfigError(f"token key #{position} is not of the form kid:secret")
            if len(secret.encode()) < MIN_SECRET_BYTES:
                raise TokenConfigError(f"token key {kid!r} is shorter than {MIN_SECRET_BYTES} bytes")
            if any(key.kid == kid for key in keys):
                raise TokenConfigError(f"token key id {kid!r} is listed twice")
            keys.append(TokenKey(kid, secret.encode()))
        if not keys:
            raise TokenConfigError("no token keys configured")
        return cls(tuple(keys))

    @classmethod
    def from_settings(cls, settings: EdgeSettings) -> TokenKeys:
        if settings.token_keys.strip():
            try:
                return cls.parse(settings.token_keys)
            except TokenConfigError as exc:
                raise TokenConfigError(f"MOLT_EDGE_TOKEN_KEYS: {exc}") from None
        if settings.development:
            return cls((TokenKey(DEVELOPMENT_KEY_ID, DEVELOPMENT_SECRET.encode()),))
        raise TokenConfigError(
            f"MOLT_EDGE_TOKEN_KEYS must be set when MOLT_EDGE_ENV={settings.env!r} "
            "(the built-in key is for development only)"
        )

    @property
    def signing(self) -> TokenKey:
        return self.keys[0]

    def lookup(self, kid: object) -> TokenKey | None:
        return next((key for key in self.keys if key.kid == kid), None)


@dataclass(frozen=True)
class Claims:
    """What a verified session token grants. ``seat`` is the spectator's lease id."""

    role: Role
    game: str
    session_id: str
    subject: str
    seat: str | None
    issued_at: int
    expires_at: int
    token_id: str


@dataclass(frozen=True)
class AccessClaims:
    address: str
    issued_at: int
    expires_at: int
    token_id: str


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: str  # ISO-8601, Z
    expires_in: int  # seconds
    claims: Claims | AccessClaims


class TokenIssuer:
    def __init__(self, keys: TokenKeys, ttl_s: int) -> None:
        self._keys = keys
        self._ttl_s = ttl_s

    def issue(
        self,
        *,
        role: Role,
        game: str,
        session_id: str,
        subject: str,
        seat: str | None,
        now: float | None = None,
    ) -> IssuedToken:
        issued_at, expires_at, token_id = self._stamp(self._ttl_s, now)
        claims = Claims(role, game, session_id, subject, seat, issued_at, expires_at, token_id)
        payload = {"role": role, "game": game, "sid": session_id, "sub": subject, "seat": seat}
        return self._sign(payload, claims)

    def verify(self, token: str, *, role: Role, game: str, session_id: str, now: float | None = None) -> Claims:
        payload = self._decode(token, now)
        if payload["role"] != role:
            raise TokenError("FORBIDDEN", f"this is not a {role} token")
        if payload.get("game") != game or payload.get("sid") != session_id:
            raise TokenError("FORBIDDEN", "this token is for another session")
        return Claims(
            role=role,
            game=game,
            session_id=session_id,
            subject=payload["sub"],
            seat=payload.get("seat"),
            issued_at=payload["iat"],
            expires_at=payload["exp"],
            token_id=payload["jti"],
        )

    def issue_access(self, address: str, ttl_s: int, now: float | None = None) -> IssuedToken:
        issued_at, expires_at, token_id = self._stamp(ttl_s, now)
        claims = AccessClaims(address, issued_at, expires_at, token_id)
        return self._sign({"role": ACCESS_ROLE, "sub": address}, claims)

    def verify_access(self, token: str, now: float | None = None) -> str:
        """The wallet address the access session belongs to."""
        payload = self._decode(token, now)
        if payload["role"] != ACCESS_ROLE:
            raise TokenError("FORBIDDEN", "this is not an access token")
        return payload["sub"]

    @staticmethod
    def _stamp(ttl_s: int, now: float | None) -> tuple[int, int, str]:
        # JWT times are whole seconds (RFC 7519 NumericDate as written by most libraries).
        issued_at = int(time.time() if now is None else now)
        return issued_at, issued_at + ttl_s, secrets.token_hex(12)

    def _sign(self, payload: dict[str, Any], claims: Claims | AccessClaims) -> IssuedToken:
        key = self._keys.signing
        body = {**payload, "iat": claims.issued_at, "exp": claims.expires_at, "jti": claims.token_id}
        token = jwt.encode(body, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})
        return IssuedToken(token, iso(claims.expires_at), claims.expires_at - claims.issued_at, claims)

    def _decode(self, token: str, now: float | None) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise TokenError("TOKEN_INVALID", "the token is malformed") from None
        key = self._keys.lookup(kid)
        if key is None:
            raise TokenError("TOKEN_INVALID", "the token was signed with an unknown key")
        try:
            # Time is checked below against the injectable clock, not by the library.
            payload = jwt.decode(
                token,
                key.secret,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": _REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError:
            raise TokenError("TOKEN_INVALID", "the token's signature or claims are not valid") from None
        if (time.time() if now is None else now) >= payload["exp"]:
            raise TokenError("TOKEN_EXPIRED", "the token has expired; request a new one")
        return payload
