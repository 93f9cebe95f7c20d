"""Quotas on what writes to the log, on a real edge: registrations per client address,
open sessions per agent, snapshot triggers per run (HTTP and socket), no input after the end.

The edge trusts this machine as a proxy, so each test is its own client address
(``X-Forwarded-For``) and the buckets of one test never meet another's.
"""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect

from molt.sdk import MoltClient
from molt.stack import Edge, Stack

pytestmark = pytest.mark.integration

# Bursts of a few and refills too slow to matter within a test.
EDGE_ENV = {
    "MOLT_EDGE_TRUSTED_PROXIES": "127.0.0.1",
    "MOLT_EDGE_AGENT_REGISTER_BURST": "2",
    "MOLT_EDGE_AGENT_REGISTER_PER_S": "0.001",
    "MOLT_EDGE_OPEN_SESSIONS_PER_AGENT": "1",
    "MOLT_EDGE_SNAPSHOT_BURST": "1",
    "MOLT_EDGE_SNAPSHOT_PER_S": "0.001",
}


@pytest.fixture(scope="module")
def quota_edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-quotas", env=EDGE_ENV)


async def register(http: httpx.AsyncClient, address: str) -> httpx.Response:
    return await http.post("/api/agents", json={"name": "quota"}, headers={"X-Forwarded-For": address})


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "RATE_LIMITED"
    assert int(response.headers["Retry-After"]) >= 1


async def test_registrations_are_limited_per_client_address(quota_edge: Edge) -> None:
    async with httpx.AsyncClient(base_url=quota_edge.url, timeout=30) as http:
        assert [(await register(http, "10.0.0.1")).status_code for _ in range(2)] == [201, 201]
        assert_limited(await register(http, "10.0.0.1"))
        assert (await register(http, "10.0.0.2")).status_code == 201


async def next_of(ws, kind: str) -> dict:
    """The next message of type ``kind``, past frames and counts still in flight."""
    while (message := json.loads(await ws.recv()))["t"] != kind:
        pass
    return message


async def test_one_open_session_per_agent_and_one_snapshot_per_run_and_no_input_after_the_end(
    quota_edge: Edge,
) -> None:
    async with httpx.AsyncClient(base_url=quota_edge.url, timeout=30) as http:
        api_key = (await register(http, "10.0.1.1")).json()["apiKey"]
        agent = {"Authorization": f"Bearer {api_key}"}
        sessions = "/api/games/flappy-bots/sessions"
        sid = (await http.post(sessions, json={"seed": 4}, headers=agent)).json()["sessionId"]
        assert_limited(await http.post(sessions, json={}, headers=agent))
        token = (await http.post(f"{sessions}/{sid}/play-token", headers=agent)).json()
        async with connect(token["wsUrl"]) as ws:
            await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
            await next_of(ws, "end")  # no flap: the bird falls and the run ends
            await ws.send(json.dumps({"t": "input", "seq": 1, "action": "flap"}))
            assert (await next_of(ws, "error"))["code"] == "SESSION_ENDED"
            await ws.send('{"t":"snapshot"}')
            assert await next_of(ws, "snapshot") == {"t": "snapshot", "accepted": True}
            await ws.send('{"t":"snapshot"}')
            assert (await next_of(ws, "error"))["code"] == "RATE_LIMITED"
        assert_limited(await http.post(f"{sessions}/{sid}/snapshot", headers=agent))
        # The run ended: the agent may open another.
        assert (await http.post(sessions, json={}, headers=agent)).status_code == 201


async def test_the_snapshot_quota_is_per_run(quota_edge: Edge) -> None:
    """Each run of one agent has its own trigger: play_with fails if its snapshot is refused."""
    async with httpx.AsyncClient(base_url=quota_edge.url, timeout=30) as http:
        registered = await register(http, "10.0.2.1")
    async with MoltClient(quota_edge.url, registered.json()["apiKey"]) as client:
        for seed in (5, 6):
            sid = (await client.create_session("flappy-bots", seed=seed))["sessionId"]
            assert (await client.play_with("flappy-bots", sid, lambda state: None))["sessionId"] == sid
