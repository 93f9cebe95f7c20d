"""The walking skeleton end to end: edge -> Kafka -> worker -> view -> edge."""

from __future__ import annotations

import re

import httpx
import pytest

from molt.stack import Edge

pytestmark = pytest.mark.integration


def register(client: httpx.Client, name: str = "skeleton-bot") -> str:
    response = client.post("/api/agents", json={"name": name})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == name and body["agentId"].startswith("agt_")
    return body["apiKey"]


def test_agent_creates_a_session_and_the_edge_serves_the_workers_view(edge: Edge) -> None:
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        key = register(client)
        created = client.post(
            "/api/games/flappy-bots/sessions",
            json={"mode": "api", "seed": 7, "spectatorsMax": 5},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert created.status_code == 201, created.text
        session = created.json()
        fetched = client.get(f"/api/games/flappy-bots/sessions/{session['sessionId']}")
    assert fetched.status_code == 200
    served = fetched.json()
    assert served == session
    assert served["status"] == "waiting"
    assert served["game"] == "flappy-bots" and served["mode"] == "api"
    assert served["spectatorsCurrent"] == 0 and served["spectatorsMax"] == 5
    assert served["joinable"] is False  # not live until the player connects


def test_unknown_game_and_session_are_404_with_codes(edge: Edge) -> None:
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        game = client.get("/api/games/pong/sessions/live")
        session = client.get("/api/games/shellrunners/sessions/ses_missing")
    assert (game.status_code, game.json()["code"]) == (404, "GAME_NOT_FOUND")
    assert (session.status_code, session.json()["code"]) == (404, "SESSION_NOT_FOUND")


def test_session_creation_needs_a_known_api_key(edge: Edge) -> None:
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        missing = client.post("/api/games/flappy-bots/sessions", json={"mode": "api"})
        wrong = client.post(
            "/api/games/flappy-bots/sessions",
            json={"mode": "api"},
            headers={"Authorization": "Bearer molt_not-a-key"},
        )
    assert (missing.status_code, missing.json()["code"]) == (401, "UNAUTHENTICATED")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "UNAUTHENTICATED")


@pytest.mark.parametrize(
    "body",
    [{"mode": "ranked"}, {"mode": "api", "seed": -1}, {"mode": "api", "spectatorsMax": "many"}, [1, 2]],
)
def test_invalid_session_requests_are_422_invalid_request(edge: Edge, body: object) -> None:
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        key = register(client, "validator")
        response = client.post("/api/games/flappy-bots/sessions", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_REQUEST"


def test_ops_endpoints(edge: Edge) -> None:
    with httpx.Client(base_url=edge.url, timeout=30) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/no-such-page").status_code == 404
        ready = client.get("/readyz")
        metrics = client.get("/metrics")
    assert ready.status_code == 200 and ready.json()["kafka"] is True
    assert all(ready.json()["views"].values())
    assert metrics.status_code == 200
    # Every request is counted by its route's template and its status.
    assert re.search(r'^molt_edge_http_requests_total\{route="/healthz",status="200"\} [1-9]', metrics.text, re.M)
    assert re.search(r'^molt_edge_http_requests_total\{route="unmatched",status="404"\} [1-9]', metrics.text, re.M)
    assert re.search(r'^molt_edge_http_request_seconds_count\{route="/readyz"\} [1-9]', metrics.text, re.M)
