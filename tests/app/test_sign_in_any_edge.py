"""Wallet sign-in across edges: a nonce from one edge verifies on another, and signs in
once across all of them, through the nonce claims on the real broker (app.nonceclaims)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from molt.stack import Edge, Stack
from tests.wallets import signed_nonce_message

pytestmark = pytest.mark.integration

VERIFY = "/api/auth/wallet/verify"
KEYS = ["0x" + f"{0xA11CE + i:064x}" for i in range(6)]


@pytest.fixture(scope="module")
def sign_in_stack(
    kafka_bootstrap: str, topic_partitions: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    # Sign-in needs no worker: edges and the broker only. Every request here comes from one
    # address, more of them than its sign-in quota allows (tests/app/test_auth_routes.py holds that).
    running = Stack(
        kafka_bootstrap,
        tmp_path_factory.mktemp("sign-in"),
        topic_partitions,
        extra_env={"MOLT_EDGE_SIGN_IN_BURST": "100000"},
    )
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def two_edges(sign_in_stack: Stack) -> tuple[Edge, Edge]:
    return sign_in_stack.start_edge("sign-in-a"), sign_in_stack.start_edge("sign-in-b")


@pytest.fixture
async def clients(two_edges) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    edge_a, edge_b = two_edges
    async with (
        httpx.AsyncClient(base_url=edge_a.url, timeout=30) as a,
        httpx.AsyncClient(base_url=edge_b.url, timeout=30) as b,
    ):
        yield a, b


async def test_a_nonce_from_one_edge_signs_in_on_another_once(clients) -> None:
    a, b = clients
    signed = await signed_nonce_message(a, KEYS[0])
    verified = await b.post(VERIFY, json=signed)
    assert verified.status_code == 200, verified.text
    assert verified.json()["address"] in signed["message"]
    for edge in (a, b):
        again = await edge.post(VERIFY, json=signed)
        assert (again.status_code, again.json()["code"]) == (401, "NONCE_INVALID")


async def test_the_same_nonce_verified_on_two_edges_at_once_signs_in_exactly_once(clients) -> None:
    a, b = clients
    for key in KEYS[1:]:
        signed = await signed_nonce_message(a, key)
        answers = await asyncio.gather(*(edge.post(VERIFY, json=signed) for edge in [a, b] * 5))
        outcomes = Counter((r.status_code, r.json().get("code")) for r in answers)
        assert outcomes == {(200, None): 1, (401, "NONCE_INVALID"): 9}, outcomes


async def test_an_edge_started_after_a_sign_in_refuses_its_replay(sign_in_stack: Stack, two_edges) -> None:
    edge_a, _ = two_edges
    async with httpx.AsyncClient(base_url=edge_a.url, timeout=30) as a:
        signed = await signed_nonce_message(a, KEYS[0])
        assert (await a.post(VERIFY, json=signed)).status_code == 200
    late = sign_in_stack.start_edge("sign-in-late")
    try:
        async with httpx.AsyncClient(base_url=late.url, timeout=30) as c:
            replay = await c.post(VERIFY, json=signed)
            assert (replay.status_code, replay.json()["code"]) == (401, "NONCE_INVALID")
            # And it signs in with a nonce of its own, to show it is not refusing everything.
            fresh = await signed_nonce_message(c, KEYS[1])
            assert (await c.post(VERIFY, json=fresh)).status_code == 200
    finally:
        late.process.stop()
