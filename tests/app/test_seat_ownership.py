"""A seat belongs to one real watcher: per-client bounds, the claim window, re-seating,
one socket per seat across two edges, and the count as the truth (real processes).

The edges here trust this machine as a proxy, so each test names its clients' addresses
in X-Forwarded-For, and run a short claim window and lease so seats lapse within a test.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from tests.app.test_two_edges import wait_until

pytestmark = pytest.mark.integration

GAME = "shellrunners"
CLAIM_S = 2
EDGE_ENV = {
    "MOLT_EDGE_TRUSTED_PROXIES": "127.0.0.1",
    "MOLT_EDGE_SEAT_CLAIM_S": str(CLAIM_S),
    "MOLT_EDGE_SEAT_LEASE_S": "3",
    "MOLT_EDGE_SEAT_RENEW_S": "1",
    "MOLT_EDGE_SEATS_PER_CLIENT_TOTAL": "4",
    "MOLT_EDGE_PUBLIC_TOKEN_BURST": "100000",
    # The sessions wait for a player that never comes: seats work the same, no run ends.
    "MOLT_EDGE_WAITING_EXPIRY_S": "600",
}


def start_two_edges(stack: Stack, root, names: tuple[str, str]) -> tuple[Stack, Edge, Edge]:
    edges = Stack(stack.bootstrap, root, stack.partitions, extra_env=EDGE_ENV)
    return edges, edges.start_edge(names[0]), edges.start_edge(names[1])


@pytest.fixture(scope="module")
def two_edges(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Edge, Edge]]:
    edges, a, b = start_two_edges(stack, tmp_path_factory.mktemp("seat-edges"), ("seats-a", "seats-b"))
    try:
        yield a, b
    finally:
        edges.close()


def client(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.100.{n}"}


async def new_session(edge: Edge, spectators_max: int) -> str:
    async with await MoltClient.register(edge.url, "watched") as player:
        return (await player.create_session(GAME, spectators_max=spectators_max, seed=5))["sessionId"]


async def token(edge: Edge, session_id: str, headers: dict[str, str], viewer: str | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        body = {"viewerId": viewer} if viewer else None
        return await http.post(
            f"/api/games/{GAME}/sessions/{session_id}/spectate-token-public", json=body, headers=headers
        )


def seat_of(granted: httpx.Response) -> str:
    payload = granted.json()["token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["seat"]


async def counted(edge: Edge, session_id: str) -> int:
    async with httpx.AsyncClient(base_url=edge.url, timeout=10) as http:
        return (await http.get(f"/api/games/{GAME}/sessions/{session_id}")).json()["spectatorsCurrent"]


@dataclass
class Watcher:
    """A spectate socket after its first answer; ``reader`` drains it until it closes."""

    ws: ClientConnection
    first: dict
    reader: asyncio.Task

    @property
    def watching(self) -> bool:
        return self.first["t"] == "welcome" and not self.reader.done()

    async def closed(self) -> list[dict]:
        return await asyncio.wait_for(self.reader, 30)


async def _drain(ws: ClientConnection) -> list[dict]:
    messages = []
    try:
        async for text in ws:
            messages.append(json.loads(text))
    except ConnectionClosed:
        pass
    return messages


async def watch(edge: Edge, session_id: str, granted: httpx.Response, headers: dict[str, str]) -> Watcher:
    url = f"{edge.url.replace('http', 'ws')}/ws/{GAME}/spectate?sessionId={session_id}"
    ws = await connect(url, additional_headers=headers)
    await ws.send(json.dumps({"t": "auth", "token": granted.json()["token"]}))
    first = json.loads(await asyncio.wait_for(ws.recv(), 30))
    return Watcher(ws, first, asyncio.create_task(_drain(ws)))


async def test_one_address_holds_at_most_its_seats_and_another_still_gets_one(two_edges) -> None:
    edge_a, edge_b = two_edges
    sid, *others = [await new_session(edge_a, spectators_max=10) for _ in range(3)]
    # Watched, so that no seat lapses while the test goes on, however slow the machine.
    watchers = [await watch(edge, sid, await token(edge, sid, client(1)), client(1)) for edge in (edge_a, edge_b)]
    assert [watcher.first["t"] for watcher in watchers] == ["welcome", "welcome"]
    refused = [await token(edge, sid, client(1)) for edge in (edge_a, edge_b)]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(429, "SEATS_PER_CLIENT")] * 2
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert (await token(edge_b, sid, client(2))).status_code == 200
    # Across sessions (a bound of 4 here): two more seats elsewhere, then none.
    watchers += [await watch(edge_a, others[0], await token(edge_a, others[0], client(1)), client(1)) for _ in "ab"]
    assert [watcher.first["t"] for watcher in watchers] == ["welcome"] * 4
    over = await token(edge_a, others[1], client(1))
    assert (over.status_code, over.json()["code"]) == (429, "SEATS_PER_CLIENT")
    for watcher in watchers:
        await watcher.ws.close()


async def test_a_viewer_asking_again_and_again_cannot_hold_its_seat_past_the_claim_window(two_edges) -> None:
    edge_a, edge_b = two_edges
    sid = await new_session(edge_a, spectators_max=1)
    first = await token(edge_a, sid, client(10))
    viewer, started = first.json()["viewerId"], time.monotonic()
    seats = [seat_of(first)]
    while time.monotonic() - started < 3 * CLAIM_S:
        again = await token(edge_b if len(seats) % 2 else edge_a, sid, client(10), viewer)
        if again.status_code == 200:
            seats.append(seat_of(again))
        await asyncio.sleep(0.25)  # the squatter's own pace
    # The first seat lapsed a claim window after it was granted, asked for or not: the
    # viewer was seated anew (as anyone else could have been).
    assert seats[0] != seats[-1], seats
    # Left alone, its seat lapses too, and someone else gets in.
    other = client(11)
    await wait_until(lambda: _granted(edge_b, sid, other), timeout_s=10 * CLAIM_S)


async def _granted(edge: Edge, sid: str, headers: dict[str, str]) -> bool:
    return (await token(edge, sid, headers)).status_code == 200


async def test_a_token_reused_after_its_socket_closed_is_counted_again_or_refused_when_full(two_edges) -> None:
    edge_a, edge_b = two_edges
    sid = await new_session(edge_a, spectators_max=2)
    granted = await token(edge_a, sid, client(20))
    first = await watch(edge_a, sid, granted, client(20))
    assert first.first["t"] == "welcome"
    await wait_until(lambda: _counted_is(edge_b, sid, 1))
    await first.ws.close()
    await wait_until(lambda: _counted_is(edge_b, sid, 0))
    again = await watch(edge_b, sid, granted, client(20))  # the same token, the seat gone
    assert again.first["t"] == "welcome"
    await wait_until(lambda: _counted_is(edge_a, sid, 1))
    await again.ws.close()
    await wait_until(lambda: _counted_is(edge_a, sid, 0))
    others = [await watch(edge_b, sid, await token(edge_b, sid, client(n)), client(n)) for n in (21, 22)]
    assert [watcher.first["t"] for watcher in others] == ["welcome", "welcome"]
    refused = await watch(edge_a, sid, granted, client(20))
    assert refused.first == {
        "t": "error",
        "code": "SPECTATORS_FULL",
        "message": "2/2 spectators limit reached for this livestream",
        "spectatorsCurrent": 2,
        "spectatorsMax": 2,
    }
    await refused.closed()
    assert refused.ws.close_code == 4409
    for watcher in others:
        await watcher.ws.close()


async def _counted_is(edge: Edge, sid: str, expected: int) -> bool:
    return await counted(edge, sid) == expected


async def test_the_same_token_on_two_edges_leaves_one_socket(two_edges) -> None:
    edge_a, edge_b = two_edges
    sid = await new_session(edge_a, spectators_max=5)
    granted = await token(edge_a, sid, client(30))
    older = await watch(edge_a, sid, granted, client(30))
    newer = await watch(edge_b, sid, granted, client(30))
    assert (older.first["t"], newer.first["t"]) == ("welcome", "welcome")
    told = await older.closed()
    assert told[-1]["code"] == "REPLACED" and older.ws.close_code == 4000
    await wait_until(lambda: _counted_is(edge_a, sid, 1))
    assert newer.watching
    await newer.ws.close()


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_count_is_the_sockets_after_any_sequence_across_two_edges(
    seed: int, stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Random grants, connects, drops, reconnects, lapses and an edge kill: once settled,
    spectatorsCurrent is the number of welcomed sockets still open, never above max."""
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp(f"count-edges-{seed}")
    edges, edge_a, edge_b = start_two_edges(stack, root, (f"count-a{seed}", f"count-b{seed}"))
    maximum, watchers, tokens = 4, [], []
    viewers = [f"anon_viewer{seed}n{n}xxxx" for n in range(6)]
    try:
        sid = await new_session(edge_a, spectators_max=maximum)

        async def settled() -> bool:
            count = await counted(edge_a, sid)
            assert count <= maximum
            return count == sum(watcher.watching for watcher in watchers)

        for _ in range(25):
            edge = rng.choice((edge_a, edge_b))
            event = rng.choice(["grant", "grant", "connect", "connect", "drop", "lapse"])
            if event == "grant":
                headers = client(40 + rng.randrange(3))
                answer = await token(edge, sid, headers, rng.choice(viewers))
                assert answer.status_code in (200, 409, 429), answer.text
                if answer.status_code == 200:
                    tokens.append((answer, headers))
            elif event == "connect" and tokens:  # a token's first socket, or a reconnect
                granted, headers = rng.choice(tokens)
                watchers.append(await watch(edge, sid, granted, headers))
            elif event == "drop" and watchers:
                await rng.choice(watchers).ws.close()
            elif event == "lapse":
                await asyncio.sleep(CLAIM_S)  # time itself is the event: unclaimed seats lapse
            assert await counted(edge_a, sid) <= maximum
        await wait_until(settled, timeout_s=60)
        edge_b.process.kill()  # its sockets die with it; its seats lapse with their lease
        await wait_until(settled, timeout_s=60)
    finally:
        for watcher in watchers:
            await watcher.ws.close()
        edges.close()
