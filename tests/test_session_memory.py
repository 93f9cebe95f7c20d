"""Every per-session structure of the edge and the worker is let go of when its session ends.

Many runs are played to their end, each with a player and a spectator, on a broker, a
worker and an edge of this module's own (nothing else runs there, so sizes are exact):
while they live, the structures hold them; once they ended, every size is back where it
began, save the bounded memories of ended runs, which grew by exactly the runs played.
The edge exports the sizes as ``molt_edge_held_entries``, the worker at ``/held/``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from infra.localkafka import start_scratch_kafka
from infra.settings import KafkaSettings
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from tests.conftest import SHARED_EDGE_ENV, stack_with_a_worker

pytestmark = pytest.mark.integration

GAME = "flappy-bots"
RUNS, AT_ONCE = 24, 12  # at once: within the open sessions an agent may hold
BOUNDED = {"fanout.ended", "recently_ended"}  # memories of ended runs, bounded by count
HELD = re.compile(r'^molt_edge_held_entries\{structure="([^"]+)"\} (\S+)$', re.MULTILINE)


@pytest.fixture(scope="module")
def own_stack(topic_partitions: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if KafkaSettings().is_external:
        pytest.skip("MOLT_KAFKA_BOOTSTRAP names an external cluster: other runs there would change the sizes")
    bootstrap, stop = start_scratch_kafka(tmp_path_factory.mktemp("memory-kafka"))
    try:
        yield from stack_with_a_worker(bootstrap, tmp_path_factory.mktemp("memory-stack"), topic_partitions)
    finally:
        stop()


@pytest.fixture(scope="module")
def own_edge(own_stack: Stack) -> Edge:
    # Every spectator comes from this one address: its token rate and its seats (a batch
    # starts while the last batch's seats may still count) are not what is under test.
    unbounded = {
        "MOLT_EDGE_SEATS_PER_CLIENT_TOTAL": "1000",
        "MOLT_EDGE_PUBLIC_TOKEN_BURST": "1000",
        "MOLT_EDGE_PUBLIC_TOKEN_PER_S": "1000",
    }
    return own_stack.start_edge("edge-memory", env=SHARED_EDGE_ENV | unbounded)


async def held(http: httpx.AsyncClient, edge: Edge, worker_url: str) -> dict[str, int]:
    """Every size, the edge's named as it names them, the worker's prefixed ``worker.``."""
    metrics = (await http.get(f"{edge.url}/metrics")).text
    sizes = {name: int(float(value)) for name, value in HELD.findall(metrics)}
    worker = (await http.get(f"{worker_url}/held/")).json()
    assert sizes and worker, "no sizes exported"
    return sizes | {f"worker.{name}": size for name, size in worker.items()}


def per_session(sizes: dict[str, int]) -> dict[str, int]:
    return {name: size for name, size in sizes.items() if name.removeprefix("worker.") not in BOUNDED}


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        await asyncio.sleep(0.2)


async def watch_to_the_end(http: httpx.AsyncClient, session_id: str, watching: asyncio.Event) -> None:
    """A spectator on the public flow, from its welcome to the close after the end."""
    response = await http.post(f"/api/games/{GAME}/sessions/{session_id}/spectate-token-public")
    assert response.status_code == 200, response.text
    token = response.json()
    async with connect(token["wsUrl"]) as ws:
        await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
        assert json.loads(await ws.recv())["t"] == "welcome"
        watching.set()
        async for _ in ws:  # frames, counts, the end; then the edge closes the socket
            pass


async def run_to_the_end(client: MoltClient, http: httpx.AsyncClient, seed: int, all_live: asyncio.Barrier) -> None:
    """A run with its player and a spectator, all together alive at ``all_live``, then played out."""
    session_id = (await client.create_session(GAME, seed=seed))["sessionId"]
    watching = asyncio.Event()
    spectator = asyncio.create_task(watch_to_the_end(http, session_id, watching))
    welcomed = asyncio.create_task(watching.wait())
    await asyncio.wait([welcomed, spectator], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    welcomed.cancel()
    if spectator.done():
        spectator.result()  # it failed before its welcome: say why, rather than time out below
    assert watching.is_set(), f"no welcome for the spectator of {session_id} within 60 s"
    await all_live.wait()
    await all_live.wait()  # the sizes while every run lives have been read
    # No input: the bird falls, and the run ends within seconds.
    result = await client.play_with(GAME, session_id, lambda state: None)
    assert result["sessionId"] == session_id
    await asyncio.wait_for(spectator, 60)


async def test_every_per_session_structure_is_released_once_the_sessions_end(own_stack: Stack, own_edge: Edge) -> None:
    worker = own_stack.workers[0].url
    async with (
        await MoltClient.register(own_edge.url, "memory") as client,
        httpx.AsyncClient(base_url=own_edge.url, timeout=30) as http,
    ):
        before = await held(http, own_edge, worker)
        peak: dict[str, int] = {}
        for first in range(0, RUNS, AT_ONCE):
            all_live = asyncio.Barrier(AT_ONCE + 1)
            runs = [
                asyncio.create_task(run_to_the_end(client, http, seed, all_live))
                for seed in range(first, first + AT_ONCE)
            ]
            # Waits for the barrier, unless a run fails first: then its error is the test's.
            everyone = asyncio.create_task(all_live.wait())
            # (a run finishes only after the barrier's second wait, so the first to finish says which)
            await asyncio.wait([everyone, *runs], timeout=120, return_when=asyncio.FIRST_COMPLETED)
            for run in runs:
                if run.done():
                    run.result()
            assert everyone.done(), "every run of the batch alive within 120 s"
            peak = await held(http, own_edge, worker)
            await all_live.wait()
            await asyncio.wait_for(asyncio.gather(*runs), 180)
        # While they lived, the structures held them: what is checked below could have failed.
        assert peak["worker.sessions"] == before["worker.sessions"] + AT_ONCE
        assert peak["sockets.spectators"] == before["sockets.spectators"] + AT_ONCE
        assert peak["sockets.leases"] == before["sockets.leases"] + AT_ONCE
        assert peak["fanout.sockets"] == before["fanout.sockets"] + AT_ONCE
        assert peak["tickindex.sessions"] == before["tickindex.sessions"] + AT_ONCE

        async def released() -> bool:
            return per_session(await held(http, own_edge, worker)) == per_session(before)

        await until(released, "every per-session structure back to its size before the runs")
        after = await held(http, own_edge, worker)
        for name in ("fanout.ended", "worker.recently_ended"):
            assert after[name] == before[name] + RUNS, name
