"""Session and access tokens: scope, expiry, tampering, rotation, startup refusal."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from app.tokens import (
    DEVELOPMENT_KEY_ID,
    AccessClaims,
    Claims,
    TokenConfigError,
    TokenError,
    TokenIssuer,
    TokenKeys,
)
from infra.settings import EdgeSettings

NOW = 1_750_000_000.0
OLD = "old:" + "o" * 40
NEW = "new:" + "n" * 40
ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
SCOPE = {"role": "spectate", "game": "flappy-bots", "session_id": "ses_1"}


def issuer(keys: str = NEW, ttl_s: int = 60) -> TokenIssuer:
    return TokenIssuer(TokenKeys.parse(keys), ttl_s)


def spectate(tokens: TokenIssuer) -> str:
    return tokens.issue(**SCOPE, subject="viewer-1", seat="lease-1", now=NOW).token


def expect_error(code: str, call, *args, **kwargs) -> None:
    with pytest.raises(TokenError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code


def with_session(token: str, session_id: str) -> str:
    """The token with its payload rewritten to another session, signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"sid": session_id}).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_round_trip_returns_the_issued_claims() -> None:
    tokens = issuer()
    issued = tokens.issue(role="play", game="shellrunners", session_id="ses_9", subject="agt_1", seat=None, now=NOW)
    assert issued.expires_in == 60
    assert issued.expires_at == "2025-06-15T15:07:40.000Z"
    claims = tokens.verify(issued.token, role="play", game="shellrunners", session_id="ses_9", now=NOW + 59)
    assert claims == issued.claims
    assert claims == Claims("play", "shellrunners", "ses_9", "agt_1", None, int(NOW), int(NOW) + 60, claims.token_id)
    assert jwt.get_unverified_header(issued.token)["kid"] == "new"


def test_every_token_has_its_own_id() -> None:
    tokens = issuer()
    first = tokens.verify(spectate(tokens), **SCOPE, now=NOW)
    second = tokens.verify(spectate(tokens), **SCOPE, now=NOW)
    assert first.token_id != second.token_id
    assert first.seat == "lease-1" and first.subject == "viewer-1"


def test_a_token_expires_after_its_ttl() -> None:
    tokens = issuer(ttl_s=60)
    token = spectate(tokens)
    expect_error("TOKEN_EXPIRED", tokens.verify, token, **SCOPE, now=NOW + 60)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "not-a-token",
        lambda t: "",
    ],
    ids=["signature", "garbage", "empty"],
)
def test_a_tampered_or_malformed_token_is_invalid(mangle) -> None:
    tokens = issuer()
    bad = mangle(spectate(tokens))
    expect_error("TOKEN_INVALID", tokens.verify, bad, **SCOPE, now=NOW)


def test_a_token_rewritten_to_another_session_is_invalid() -> None:
    tokens = issuer()
    forged = with_session(spectate(tokens), "ses_2")
    expect_error("TOKEN_INVALID", tokens.verify, forged, **(SCOPE | {"session_id": "ses_2"}), now=NOW)


def test_a_token_from_an_unknown_key_is_invalid() -> None:
    stranger = spectate(issuer("other:" + "x" * 40))
    expect_error("TOKEN_INVALID", issuer().verify, stranger, **SCOPE, now=NOW)


def test_a_token_signed_with_a_listed_kid_but_another_secret_is_invalid() -> None:
    forged = spectate(issuer("new:" + "f" * 40))
    expect_error("TOKEN_INVALID", issuer().verify, forged, **SCOPE, now=NOW)


@pytest.mark.parametrize(
    ("role", "game", "session_id"),
    [("play", "flappy-bots", "ses_1"), ("spectate", "shellrunners", "ses_1"), ("spectate", "flappy-bots", "ses_2")],
    ids=["role", "game", "session"],
)
def test_a_genuine_token_for_another_scope_is_forbidden(role: str, game: str, session_id: str) -> None:
    tokens = issuer()
    expect_error("FORBIDDEN", tokens.verify, spectate(tokens), role=role, game=game, session_id=session_id, now=NOW)


def test_rotation_old_key_verifies_while_listed_second_then_not_after_dropped() -> None:
    old_token = spectate(issuer(OLD))
    rotated = issuer(f"{NEW},{OLD}")
    claims = rotated.verify(old_token, **SCOPE, now=NOW)
    assert claims.subject == "viewer-1"
    assert jwt.get_unverified_header(spectate(rotated))["kid"] == "new"
    # Once the old key is dropped, what it signed is no longer accepted.
    expect_error("TOKEN_INVALID", issuer(NEW).verify, old_token, **SCOPE, now=NOW)


def test_access_token_round_trip() -> None:
    tokens = issuer()
    issued = tokens.issue_access(ADDRESS, 3600, now=NOW)
    assert issued.expires_in == 3600
    assert issued.claims == AccessClaims(ADDRESS, int(NOW), int(NOW) + 3600, issued.claims.token_id)
    assert tokens.verify_access(issued.token, now=NOW + 3599) == ADDRESS
    expect_error("TOKEN_EXPIRED", tokens.verify_access, issued.token, now=NOW + 3600)


def test_access_and_session_tokens_are_not_interchangeable() -> None:
    tokens = issuer()
    access = tokens.issue_access(ADDRESS, 3600, now=NOW).token
    for role in ("spectate", "play"):
        expect_error("FORBIDDEN", tokens.verify, access, role=role, game="flappy-bots", session_id="ses_1", now=NOW)
    expect_error("FORBIDDEN", tokens.verify_access, spectate(tokens), now=NOW)


def test_development_without_keys_uses_the_development_key() -> None:
    keys = TokenKeys.from_settings(EdgeSettings(env="development", token_keys=""))
    assert [key.kid for key in keys.keys] == [DEVELOPMENT_KEY_ID]


def test_outside_development_empty_keys_refuse_to_start() -> None:
    with pytest.raises(TokenConfigError, match="MOLT_EDGE_TOKEN_KEYS"):
        TokenKeys.from_settings(EdgeSettings(env="production", token_keys=" "))


def test_the_edge_defaults_to_production_and_refuses_to_start_without_keys(monkeypatch) -> None:
    for name in ("MOLT_EDGE_ENV", "MOLT_EDGE_TOKEN_KEYS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(TokenConfigError, match="MOLT_EDGE_TOKEN_KEYS must be set"):
        TokenKeys.from_settings(EdgeSettings())


def test_a_malformed_key_list_names_the_setting() -> None:
    with pytest.raises(TokenConfigError, match=r"^MOLT_EDGE_TOKEN_KEYS: token key #1 is not of the form"):
        TokenKeys.from_settings(EdgeSettings(env="production", token_keys="x" * 40))


def test_configured_keys_are_used_in_any_env() -> None:
    keys = TokenKeys.from_settings(EdgeSettings(env="production", token_keys=f"{NEW}, {OLD}"))
    assert [key.kid for key in keys.keys] == ["new", "old"]
    assert keys.signing.kid == "new"


@pytest.mark.parametrize(
    "text",
    ["nocolon" + "x" * 40, ":" + "x" * 40, "kid:", "short:tooshort", f"{NEW},{NEW}", ",,"],
    ids=["no-colon", "no-kid", "no-secret", "short-secret", "duplicate-kid", "empty"],
)
def test_bad_key_lists_are_refused(text: str) -> None:
    with pytest.raises(TokenConfigError):
        TokenKeys.parse(text)


def test_a_key_list_error_never_echoes_a_secret() -> None:
    with pytest.raises(TokenConfigError) as caught:
        TokenKeys.parse("supersecretvaluewithoutanykidxxxxxxxxxxxx")
    assert "supersecret" not in str(caught.value)
