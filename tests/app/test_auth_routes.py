"""The wallet sign-in routes and the access-session dependencies, over ASGI (no Kafka).

Nonce claims are decided here by ``FirstClaims`` alone, as one edge reading the claim
log would; claims through the real log, across edges, are tests/app/test_sign_in_any_edge.py.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from eth_account import Account
from fastapi import Depends, FastAPI

from app.access import COOKIE, optional_wallet, required_wallet
from app.api import auth
from app.clientaddress import ClientAddresses
from app.errors import install_error_handlers
from app.kafkawait import KafkaUnavailable
from app.nonceclaims import FirstClaims
from app.nonces import SignedNonces
from app.quotas import Quotas
from app.tokens import TokenIssuer, TokenKeys
from app.wallet import build_message
from infra.settings import EdgeSettings
from schemas.views import NonceClaimed
from tests import wallets

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
OTHER_KEY = "0x" + "11" * 32
SIGNER = Account.from_key(KEY)
BASE = "http://live.test"


class LocalClaims:
    """Claims decided in this process: the first claim of a nonce wins."""

    def __init__(self) -> None:
        self.first = FirstClaims(keep_s=10)

    async def claim(self, nonce: str, expires_at: float) -> bool:
        return self.first.first(NonceClaimed(nonce, "claim", int(expires_at * 1000)), time.time())


class UnreachableClaims:
    async def claim(self, nonce: str, expires_at: float) -> bool:
        raise KafkaUnavailable("the claim of a nonce was not read back within 10s", 1)


def make_app(env: str = "development") -> FastAPI:
    settings = EdgeSettings(
        env=env,
        token_keys="" if env == "development" else "k1:" + "s" * 40,
        siwe_domain="live.test",
        siwe_uri=BASE,
        siwe_chain_id=1,
        nonce_ttl_s=300,
        access_session_ttl_s=3600,
    )
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(auth.router)
    app.state.settings = settings
    keys = TokenKeys.from_settings(settings)
    app.state.tokens = TokenIssuer(keys, settings.token_ttl_s)
    app.state.nonces = SignedNonces(keys, settings.nonce_ttl_s)
    app.state.nonce_claims = LocalClaims()
    app.state.quotas = Quotas(settings, ClientAddresses())

    @app.get("/probe/optional")
    async def probe_optional(wallet: Annotated[str | None, Depends(optional_wallet)]) -> dict:
        return {"wallet": wallet}

    @app.get("/probe/required")
    async def probe_required(wallet: Annotated[str, Depends(required_wallet)]) -> dict:
        return {"wallet": wallet}

    return app


@pytest.fixture
def app() -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
        yield client


def sign(text: str, key: str = KEY) -> str:
    return wallets.sign(text, key)


async def nonce_message(client: httpx.AsyncClient, address: str = SIGNER.address) -> str:
    response = await client.post("/api/auth/wallet/nonce", json={"address": address})
    assert response.status_code == 200, response.text
    return response.json()["message"]


async def sign_in(client: httpx.AsyncClient, message: str, signature: str) -> httpx.Response:
    return await client.post("/api/auth/wallet/verify", json={"message": message, "signature": signature})


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message"], body


async def test_sign_in_then_the_session_is_recognised(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/wallet/nonce", json={"address": SIGNER.address.lower()})
    assert response.status_code == 200
    issued = response.json()
    assert set(issued) == {"message", "nonce", "expiresAt"}
    assert f"\n{SIGNER.address}\n" in issued["message"]  # checksummed by the server
    assert f"Nonce: {issued['nonce']}\n" in issued["message"]
    assert issued["message"].endswith(f"Expiration Time: {issued['expiresAt']}")

    verified = await sign_in(client, issued["message"], sign(issued["message"]))
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert set(body) == {"accessToken", "address", "expiresAt"}
    assert body["address"] == SIGNER.address

    cookie = verified.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={body['accessToken']};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=3600" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development serves plain HTTP

    # The client kept the cookie: the session is recognised from it.
    assert (await client.get("/probe/optional")).json() == {"wallet": SIGNER.address}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as fresh:
        bearer = {"Authorization": f"Bearer {body['accessToken']}"}
        assert (await fresh.get("/probe/optional", headers=bearer)).json() == {"wallet": SIGNER.address}
        assert (await fresh.get("/probe/required", headers=bearer)).json() == {"wallet": SIGNER.address}
        cookie_only = {"Cookie": f"{COOKIE}={body['accessToken']}"}
        assert (await fresh.get("/probe/required", headers=cookie_only)).json() == {"wallet": SIGNER.address}


async def test_outside_development_the_cookie_is_secure() -> None:
    app = make_app(env="production")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
        message = await nonce_message(client)
        verified = await sign_in(client, message, sign(message))
    assert verified.status_code == 200
    assert "Secure" in verified.headers["set-cookie"]


@pytest.mark.parametrize(
    "payload",
    [
        {"address": "0x123"},
        {"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"},  # 39 digits
        {"address": "x" * 100_000},
        {"address": 12},
        {"address": None},
        {},
        [],
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ],
    ids=["short", "39-digits", "huge", "int", "null", "missing", "list", "bare-string"],
)
async def test_nonce_refuses_bad_bodies(client: httpx.AsyncClient, payload: object) -> None:
    assert_error(await client.post("/api/auth/wallet/nonce", json=payload), 422, "INVALID_REQUEST")


@pytest.mark.parametrize("path", ["/api/auth/wallet/nonce", "/api/auth/wallet/verify"])
async def test_malformed_json_is_invalid_request(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(response, 422, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "payload",
    [
        {"message": "hello", "signature": "0x" + "11" * 65},
        {"message": "m" * 100_000, "signature": "0x" + "11" * 65},
        {"message": 5, "signature": "0x" + "11" * 65},
        {"message": "hello"},
        {"signature": "0x" + "11" * 65},
    ],
    ids=["not-siwe", "huge", "int", "no-signature", "no-message"],
)
async def test_verify_refuses_bad_bodies(client: httpx.AsyncClient, payload: dict) -> None:
    assert_error(await client.post("/api/auth/wallet/verify", json=payload), 422, "INVALID_REQUEST")


@pytest.mark.parametrize(
    "signature",
    ["0x1234", "0x" + "zz" * 65, "11" * 65, "0x" + "11" * 66],
    ids=["short", "not-hex", "no-prefix", "long"],
)
async def test_verify_refuses_malformed_signatures(client: httpx.AsyncClient, signature: str) -> None:
    message = await nonce_message(client)
    assert_error(await sign_in(client, message, signature), 422, "INVALID_REQUEST")


async def test_sign_in_calls_are_limited_per_client_address(app: FastAPI, client: httpx.AsyncClient) -> None:
    app.state.quotas = Quotas(EdgeSettings(sign_in_burst=2, sign_in_per_s=0.001), ClientAddresses())
    message = await nonce_message(client)  # the first call of two
    verified = await sign_in(client, message, sign(message))  # the second
    assert verified.status_code == 200, verified.text
    limited = await client.post("/api/auth/wallet/nonce", json={"address": SIGNER.address})
    assert_error(limited, 429, "RATE_LIMITED")
    assert int(limited.headers["Retry-After"]) >= 1
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app, client=("10.9.9.9", 1)), base_url=BASE)
    async with other:
        assert (await other.post("/api/auth/wallet/nonce", json={"address": SIGNER.address})).status_code == 200


async def test_a_replayed_sign_in_is_refused(client: httpx.AsyncClient) -> None:
    message = await nonce_message(client)
    assert (await sign_in(client, message, sign(message))).status_code == 200
    assert_error(await sign_in(client, message, sign(message)), 401, "NONCE_INVALID")


async def test_a_nonce_from_elsewhere_is_refused(client: httpx.AsyncClient) -> None:
    foreign = SignedNonces(TokenKeys.parse("x:" + "x" * 40), 300).issue(SIGNER.address, time.time())
    message = build_message("live.test", BASE, 1, SIGNER.address, foreign.value, foreign.issued_at, foreign.expires_at)
    assert_error(await sign_in(client, message, sign(message)), 401, "NONCE_INVALID")


async def test_a_bad_signature_does_not_use_the_nonce_up(client: httpx.AsyncClient) -> None:
    message = await nonce_message(client)
    assert_error(await sign_in(client, message, sign(message, OTHER_KEY)), 401, "SIGNATURE_INVALID")
    assert (await sign_in(client, message, sign(message))).status_code == 200


async def test_a_statement_other_than_issued_is_refused_even_signed_by_its_owner(client: httpx.AsyncClient) -> None:
    message = (await nonce_message(client)).replace("Sign in to MoltStation Live.", "Sign in and approve all.")
    assert_error(await sign_in(client, message, sign(message)), 401, "NONCE_INVALID")


async def test_when_the_use_of_a_nonce_cannot_be_recorded_the_answer_is_503(app: FastAPI) -> None:
    app.state.nonce_claims = UnreachableClaims()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
        message = await nonce_message(client)
        response = await sign_in(client, message, sign(message))
    assert_error(response, 503, "KAFKA_UNAVAILABLE")
    assert response.headers["retry-after"] == "1" and "set-cookie" not in response.headers


async def test_an_expired_nonce_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    long_ago = time.time() - 1000
    nonce = app.state.nonces.issue(SIGNER.address, long_ago)
    message = build_message("live.test", BASE, 1, SIGNER.address, nonce.value, nonce.issued_at, nonce.expires_at)
    assert_error(await sign_in(client, message, sign(message)), 401, "NONCE_EXPIRED")


async def test_a_message_with_other_times_than_issued_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    now = time.time()
    nonce = app.state.nonces.issue(SIGNER.address, now)
    message = build_message("live.test", BASE, 1, SIGNER.address, nonce.value, now - 20, now - 10)
    assert_error(await sign_in(client, message, sign(message)), 401, "NONCE_INVALID")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("live.test wants", "evil.test wants"),
        (f"URI: {BASE}", "URI: https://evil.test"),
        ("Chain ID: 1", "Chain ID: 5"),
    ],
    ids=["domain", "uri", "chain"],
)
async def test_a_message_for_another_site_is_refused(client: httpx.AsyncClient, old: str, new: str) -> None:
    message = (await nonce_message(client)).replace(old, new)
    assert_error(await sign_in(client, message, sign(message)), 401, "DOMAIN_MISMATCH")


async def test_a_signature_from_another_key_is_refused(client: httpx.AsyncClient) -> None:
    message = await nonce_message(client)
    assert_error(await sign_in(client, message, sign(message, OTHER_KEY)), 401, "SIGNATURE_INVALID")


async def test_a_tampered_message_is_refused(client: httpx.AsyncClient) -> None:
    message = await nonce_message(client)
    signature = sign(message)
    tampered = message.replace("Sign in to", "Sign into")
    assert_error(await sign_in(client, tampered, signature), 401, "SIGNATURE_INVALID")


async def test_an_impossible_signature_is_refused(client: httpx.AsyncClient) -> None:
    message = await nonce_message(client)
    assert_error(await sign_in(client, message, "0x" + "00" * 65), 401, "SIGNATURE_INVALID")


async def test_no_access_session_means_no_wallet(client: httpx.AsyncClient) -> None:
    assert (await client.get("/probe/optional")).json() == {"wallet": None}
    assert_error(await client.get("/probe/required"), 401, "UNAUTHENTICATED")


async def test_an_api_key_bearer_is_not_a_wallet_even_with_a_cookie(app: FastAPI, client: httpx.AsyncClient) -> None:
    access = app.state.tokens.issue_access(SIGNER.address, 3600).token
    headers = {"Authorization": "Bearer molt_someagentkey", "Cookie": f"{COOKIE}={access}"}
    assert (await client.get("/probe/optional", headers=headers)).json() == {"wallet": None}
    assert_error(await client.get("/probe/required", headers=headers), 401, "UNAUTHENTICATED")


async def test_an_invalid_bearer_falls_back_to_the_cookie(app: FastAPI, client: httpx.AsyncClient) -> None:
    access = app.state.tokens.issue_access(SIGNER.address, 3600).token
    headers = {"Authorization": "Bearer not-a-token", "Cookie": f"{COOKIE}={access}"}
    assert (await client.get("/probe/optional", headers=headers)).json() == {"wallet": SIGNER.address}


@pytest.mark.parametrize("kind", ["garbage", "expired", "spectate-token", "other-key"])
async def test_invalid_access_tokens_mean_no_wallet(app: FastAPI, client: httpx.AsyncClient, kind: str) -> None:
    tokens: TokenIssuer = app.state.tokens
    token = {
        "garbage": "abc.def.ghi",
        "expired": tokens.issue_access(SIGNER.address, 60, now=time.time() - 61).token,
        "spectate-token": tokens.issue(role="spectate", game="g", session_id="s", subject="v", seat=None).token,
        "other-key": TokenIssuer(TokenKeys.parse("x:" + "x" * 40), 60).issue_access(SIGNER.address, 60).token,
    }[kind]
    for headers in ({"Authorization": f"Bearer {token}"}, {"Cookie": f"{COOKIE}={token}"}):
        assert (await client.get("/probe/optional", headers=headers)).json() == {"wallet": None}
        assert_error(await client.get("/probe/required", headers=headers), 401, "UNAUTHENTICATED")


async def test_a_body_that_is_not_utf8_is_invalid_request(client: httpx.AsyncClient) -> None:
    # FastAPI's own answer is an undocumented 400; the contract's is 422 INVALID_REQUEST.
    body = b'{"address": "\xff"}'
    response = await client.post("/api/auth/wallet/nonce", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "INVALID_REQUEST")


async def test_an_undeclared_method_is_405_naming_the_allowed_ones(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/auth/wallet/nonce")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "POST"


async def test_an_address_in_any_case_gets_a_message_naming_its_checksummed_form(client: httpx.AsyncClient) -> None:
    wrong_case = "0x" + "".join(c.swapcase() if c.isalpha() else c for c in SIGNER.address[2:])
    issued = await client.post("/api/auth/wallet/nonce", json={"address": wrong_case})
    assert issued.status_code == 200, issued.text
    assert f"\n{SIGNER.address}\n" in issued.json()["message"]
