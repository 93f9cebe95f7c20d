"""Two edge processes in front of the same workers: capacity stays exact, seats of a
killed edge come back within the lease lifetime and their viewers move to the other edge."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from infra.aio import cancel_and_wait
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from streams.sim.bots import reference_policy
from tests.wallets import wallet_access_token

pytestmark = pytest.mark.integration

# Short leases so that the seats of a killed edge come back within the test. Every
# request of the storm comes from this machine's one address: no per-client bound here;
# and its unclaimed seats outlive the storm (minutes on a loaded machine).
EDGE_ENV = {
    "MOLT_EDGE_SEAT_CLAIM_S": "600",
    "MOLT_EDGE_PUBLIC_TOKEN_BURST": "100000",
    "MOLT_EDGE_SIGN_IN_BURST": "100000",
    "MOLT_EDGE_MAX_SOCKETS_PER_CLIENT": "100000",
    "MOLT_EDGE_SEATS_PER_CLIENT_SESSION": "100000",
    "MOLT_EDGE_SEATS_PER_CLIENT_TOTAL": "100000",
    "MOLT_EDGE_SEAT_LEASE_S": "3",
    "MOLT_EDGE_SEAT_RENEW_S": "1",
}


@pytest.fixture(scope="module")
def two_edges(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Edge, Edge]]:
    # The edges join the shared stack's workers; only the edge settings differ.
    edges = Stack(stack.bootstrap, tmp_path_factory.mktemp("edges"), stack.partitions, extra_env=EDGE_ENV)
    try:
        yield edges.start_edge("edge-a"), edges.start_edge("edge-b")
    finally:
        edges.close()


async def keep_playing(client: MoltClient, game: str, session_id: str) -> None:
    await client.play_with(game, session_id, reference_policy(game))


async def wait_until(condition, timeout_s: float = 30.0) -> None:
    """Poll another process's HTTP state (no event to await across processes), letting
    this test's own tasks, such as the playing bot, run meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)


async def detail(edge: Edge, session_id: str) -> dict:
    async with httpx.AsyncClient(base_url=edge.url, timeout=10) as http:
        return (await http.get(f"/api/games/shellrunners/sessions/{session_id}")).json()


async def test_a_storm_of_1000_token_requests_over_two_edges_grants_exactly_50(two_edges) -> None:
    edge_a, edge_b = two_edges
    limits = httpx.Limits(max_connections=200)
    # 500 wallets, each signed in on one edge; its access token works on both. The sign-ins
    # have clients of their own: a connection left idle by them is not the storm's to reuse.
    keys = ["0x" + f"{i + 1:064x}" for i in range(500)]
    async with (
        httpx.AsyncClient(base_url=edge_a.url, timeout=60, limits=limits) as a,
        httpx.AsyncClient(base_url=edge_b.url, timeout=60, limits=limits) as b,
    ):
        access = await asyncio.gather(*(wallet_access_token(a if i % 2 else b, k) for i, k in enumerate(keys)))
    async with (
        httpx.AsyncClient(base_url=edge_a.url, timeout=60, limits=limits) as a,
        httpx.AsyncClient(base_url=edge_b.url, timeout=60, limits=limits) as b,
        await MoltClient.register(edge_a.url, "storm-target") as player,
    ):
        # The storm hits the session while it waits for its player: seats are granted
        # before a run starts too, and no bot has to survive the load meanwhile.
        session = await player.create_session("shellrunners", spectators_max=50, seed=77)
        sid = session["sessionId"]
        path = f"/api/games/shellrunners/sessions/{sid}"
        requests = []
        for i in range(1000):
            http = a if i % 2 else b
            if i % 2:
                requests.append(http.post(f"{path}/spectate-token-public"))
            else:
                headers = {"Authorization": f"Bearer {access[i // 2]}"}
                requests.append(http.post(f"{path}/spectate-token", headers=headers))
        answers = await asyncio.gather(*requests, return_exceptions=True)
        playing = asyncio.create_task(keep_playing(player, "shellrunners", sid))
        try:
            failures = [answer for answer in answers if isinstance(answer, BaseException)]
            assert failures == [], failures[:3]
            statuses = Counter(r.status_code for r in answers)
            assert statuses == {200: 50, 409: 950}, statuses
            full_bodies = {json.dumps(r.json(), sort_keys=True) for r in answers if r.status_code == 409}
            assert full_bodies == {
                json.dumps(
                    {
                        "code": "SPECTATORS_FULL",
                        "message": "50/50 spectators limit reached for this livestream",
                        "spectatorsCurrent": 50,
                        "spectatorsMax": 50,
                    },
                    sort_keys=True,
                )
            }
            assert len({r.json()["viewerId"] for r in answers if r.status_code == 200}) == 50

            async def listed_full() -> bool:
                live = (await b.get("/api/games/shellrunners/sessions/live")).json()["sessions"]
                mine = [s for s in live if s["sessionId"] == sid]
                counts = [(s["spectatorsCurrent"], s["spectatorsMax"], s["joinable"]) for s in mine]
                return counts == [(50, 50, False)]

            await wait_until(listed_full)
        finally:
            await cancel_and_wait(playing)  # let the bot close its socket before the test ends


async def test_seats_of_a_killed_edge_come_back_and_viewers_move_to_the_other(two_edges, stack: Stack) -> None:
    edge_a, edge_b = two_edges
    async with (
        await MoltClient.register(edge_a.url, "edge-kill-target") as player,
        httpx.AsyncClient(timeout=30) as http,
    ):
        # The session waits for its player throughout: seats and their leases work the same
        # before a run starts, and no bot has to outlive the killed edge's lease meanwhile.
        session = await player.create_session("shellrunners", spectators_max=3, seed=78)
        sid = session["sessionId"]
        sockets = []
        try:
            path = f"/api/games/shellrunners/sessions/{sid}/spectate-token-public"
            viewers = []
            for _ in range(3):
                token = (await http.post(f"{edge_b.url}{path}")).json()
                viewers.append(token["viewerId"])
                ws = await connect(token["wsUrl"])
                await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
                assert json.loads(await ws.recv())["t"] == "welcome"
                sockets.append(ws)
            assert (await http.post(f"{edge_a.url}{path}")).status_code == 409
            killed_at = time.monotonic()
            edge_b.process.kill()

            async def seats_back() -> bool:
                return (await detail(edge_a, sid))["spectatorsCurrent"] == 0

            await wait_until(seats_back)
            print(f"\nseats back {time.monotonic() - killed_at:.1f} s after the edge was killed (lease 3 s)")
            for viewer in viewers:
                token = await http.post(f"{edge_a.url}{path}", json={"viewerId": viewer})
                assert token.status_code == 200, token.text
                async with connect(token.json()["wsUrl"]) as ws:
                    await ws.send(json.dumps({"t": "auth", "token": token.json()["token"]}))
                    assert json.loads(await ws.recv())["t"] == "welcome"
            assert (await detail(edge_a, sid))["status"] == "waiting"
        finally:
            for ws in sockets:
                await ws.close()
