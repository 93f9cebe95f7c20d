"""A spectator that stops reading is cut off, on a real edge: once its socket's transport
holds more than ``MOLT_EDGE_SPECTATOR_BACKLOG_BYTES`` unsent, it gets ``SLOW_CONSUMER``
and close 1013, and its seat is given back while the run goes on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time

import httpx
import pytest

from app.ws.messages import Close
from molt.bench.wsclient import open_reader
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from streams.sim.bots import reference_policy

pytestmark = pytest.mark.integration

GAME = "shellrunners"  # its frames are the larger: the buffers fill sooner
SLOW_ENV = {
    "MOLT_EDGE_SPECTATOR_BACKLOG_BYTES": "8192",
    # The kernel's send buffer, smallest Linux takes: what the edge holds is mostly its own.
    "MOLT_EDGE_SOCKET_SEND_BUFFER_BYTES": "4096",
}
CUT_OFF = re.compile(r"^molt_edge_sockets_cut_off_total (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def slow_edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-slow-spectator", env=SLOW_ENV)


async def cut_off_count(http: httpx.AsyncClient) -> float:
    found = CUT_OFF.search((await http.get("/metrics")).text)
    assert found is not None, "the edge does not export molt_edge_sockets_cut_off_total"
    return float(found.group(1))


async def until(check, what: str, timeout: float = 90.0):
    """Ask ``check()`` until it gives something true; fail naming ``what`` past ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        await asyncio.sleep(0.2)
    return found


async def test_a_spectator_that_never_reads_is_closed_with_1013_and_its_seat_freed(slow_edge: Edge) -> None:
    async with (
        await MoltClient.register(slow_edge.url, "slow-spectator") as client,
        httpx.AsyncClient(base_url=slow_edge.url, timeout=30) as http,
    ):
        sid = (await client.create_session(GAME, seed=11))["sessionId"]
        player = asyncio.create_task(client.play_with(GAME, sid, reference_policy(GAME)))
        try:
            token = await http.post(f"/api/games/{GAME}/sessions/{sid}/spectate-token-public")
            assert token.status_code == 200, token.text
            before = await cut_off_count(http)
            reader = await open_reader(token.json()["wsUrl"], timeout=30)
            reader.send_text(json.dumps({"t": "auth", "token": token.json()["token"]}))
            assert json.loads(await asyncio.wait_for(reader.first_text, 30))["t"] == "welcome"
            texts: list[bytes] = []
            reader.follow(texts.append)
            reader.pause_reading()  # from here on, nothing is read: the edge's buffers fill

            async def cut_off() -> bool:
                return await cut_off_count(http) > before

            await until(cut_off, "the edge cut the spectator off")
            assert not player.done(), "the run ended before the spectator fell behind"
            reader.resume_reading()  # read what the edge left: frames, the error, the close
            await asyncio.wait_for(reader.closed, 30)
            last = json.loads(texts[-1])
            assert (last["t"], last["code"]) == ("error", "SLOW_CONSUMER")
            assert reader.close_code == Close.TRY_AGAIN

            async def seat_freed() -> bool:
                return (await client.session(GAME, sid))["spectatorsCurrent"] == 0

            await until(seat_freed, "the cut-off spectator's seat was given back")
            assert not player.done(), "the run did not go on"
        finally:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await player
