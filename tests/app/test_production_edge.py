"""An edge started as production with its own keys, against the real broker and worker.

The attack of issue 23: tokens signed with the development secret published in this
repository get ``welcome`` from an edge left in development. A production edge refuses
them, whichever key id they name, and still admits its own. It also sends HSTS, marks
the access cookie Secure and serves /metrics only on its metrics port.
"""

from __future__ import annotations

import json

import httpx
import jwt
import pytest
from websockets.asyncio.client import connect

from app.tokens import ALGORITHM, DEVELOPMENT_KEY_ID, DEVELOPMENT_SECRET
from infra.localkafka import free_port
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from tests.wallets import signed_nonce_message

pytestmark = pytest.mark.integration

KEY_ID = "prod-2025"
PRODUCTION = {"MOLT_EDGE_ENV": "production", "MOLT_EDGE_TOKEN_KEYS": f"{KEY_ID}:{'p' * 48}"}
WALLET_KEY = "0x" + "5e" * 32


@pytest.fixture(scope="module")
def metrics_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def production_edge(stack: Stack, metrics_port: int) -> Edge:
    return stack.start_edge("edge-production", env={**PRODUCTION, "MOLT_EDGE_METRICS_PORT": str(metrics_port)})


def forged(genuine: str, kid: str) -> str:
    """``genuine``'s claims, signed with the repository's development secret under ``kid``."""
    claims = jwt.decode(genuine, options={"verify_signature": False})
    return jwt.encode(claims, DEVELOPMENT_SECRET, algorithm=ALGORITHM, headers={"kid": kid})


async def first_answer(ws_url: str, token: str) -> dict:
    async with connect(ws_url) as ws:
        await ws.send(json.dumps({"t": "auth", "token": token}))
        return json.loads(await ws.recv())


async def test_tokens_forged_with_the_development_secret_are_refused(production_edge: Edge) -> None:
    async with (
        await MoltClient.register(production_edge.url, "production-target") as player,
        httpx.AsyncClient(base_url=production_edge.url, timeout=30) as http,
    ):
        session = await player.create_session("flappy-bots")
        path = f"/api/games/flappy-bots/sessions/{session['sessionId']}"
        spectate = (await http.post(f"{path}/spectate-token-public")).json()
        play = await player.play_token("flappy-bots", session["sessionId"])
        for genuine in (spectate, play):
            for kid in (DEVELOPMENT_KEY_ID, KEY_ID):
                answer = await first_answer(genuine["wsUrl"], forged(genuine["token"], kid))
                assert (answer["t"], answer["code"]) == ("error", "TOKEN_INVALID"), (kid, answer)
        assert (await first_answer(spectate["wsUrl"], spectate["token"]))["t"] == "welcome"


async def test_production_sends_hsts_a_secure_cookie_and_metrics_on_their_own_port(
    production_edge: Edge, metrics_port: int
) -> None:
    async with httpx.AsyncClient(base_url=production_edge.url, timeout=30) as http:
        health = await http.get("/healthz")
        assert health.headers["strict-transport-security"].startswith("max-age=")
        verified = await http.post("/api/auth/wallet/verify", json=await signed_nonce_message(http, WALLET_KEY))
        assert verified.status_code == 200, verified.text
        assert "; Secure" in verified.headers["set-cookie"]
        assert (await http.get("/metrics")).status_code == 404
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
    assert metrics.status_code == 200
    assert 'molt_edge_http_requests_total{route="/healthz",status="200"}' in metrics.text
    assert "molt_edge_views_caught_up 1.0" in metrics.text
