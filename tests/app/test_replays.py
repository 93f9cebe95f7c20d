"""Watching an ended run again: GET .../sessions/{sessionId}/replay on a real edge and worker."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from infra.aio import cancel_and_wait
from molt.sdk import MoltClient
from molt.stack import Edge
from streams.sim.bots import reference_policy

pytestmark = pytest.mark.integration

GAME = "shellrunners"


async def spectate(edge: Edge, session_id: str, frames: list[dict], joined: asyncio.Event) -> None:
    """Watch as a public spectator, keeping every frame message, until the run ends."""
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        token = (await http.post(f"/api/games/{GAME}/sessions/{session_id}/spectate-token-public")).json()
    async with connect(token["wsUrl"]) as ws:
        await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
        assert json.loads(await ws.recv())["t"] == "welcome"
        joined.set()
        async for text in ws:
            message = json.loads(text)
            if message["t"] == "frame":
                frames.append(message)
            if message["t"] == "end":
                return


async def replay(edge: Edge, game: str, session_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        return await http.get(f"/api/games/{game}/sessions/{session_id}/replay")


async def test_an_ended_run_plays_back_as_its_spectator_saw_it(edge: Edge) -> None:
    bot = reference_policy(GAME)
    async with await MoltClient.register(edge.url, "replayed") as client:
        session = await client.create_session(GAME, seed=77)
        sid = session["sessionId"]
        waiting = await replay(edge, GAME, sid)
        assert (waiting.status_code, waiting.json()["code"]) == (409, "RUN_NOT_ENDED")
        seen: list[dict] = []
        joined = asyncio.Event()

        async def play() -> None:
            async with client.play(GAME, sid) as game:
                async for message in game:
                    if message["t"] == "frame":
                        # Jumps at once, however late the frames come; then the bot steers a while.
                        tick = message["tick"]
                        action = "jump" if tick < 5 else bot(message["state"]) if tick < 200 else None
                        if action is not None:
                            await game.send(action)

        player = asyncio.create_task(play())
        spectator = asyncio.create_task(spectate(edge, sid, seen, joined))
        try:
            await asyncio.wait_for(joined.wait(), 30)
            live = await replay(edge, GAME, sid)  # a crab runs for seconds before its first obstacle
            assert (live.status_code, live.json()["code"]) == (409, "RUN_NOT_ENDED")
            await asyncio.wait_for(asyncio.gather(player, spectator), 60)
        finally:
            await cancel_and_wait(player)
            await cancel_and_wait(spectator)
        ended = await client.session(GAME, sid)

    answer = await replay(edge, GAME, sid)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["sessionId"], body["game"], body["result"]) == (sid, GAME, ended["result"])
    ticks = [frame["tick"] for frame in body["frames"]]
    assert ticks == list(range(1, ended["result"]["ticks"] + 1))
    assert body["frames"][-1]["state"]["ended"] and not body["frames"][0]["state"]["ended"]
    by_tick = {frame["tick"]: frame for frame in body["frames"]}
    assert len(seen) > 30
    for frame in seen:
        assert by_tick[frame["tick"]] == {k: frame[k] for k in ("tick", "state", "lastInputSeq")}
    assert max(frame["lastInputSeq"] for frame in body["frames"]) > 0


async def test_replay_of_unknown_games_and_sessions_is_404(edge: Edge) -> None:
    async with await MoltClient.register(edge.url, "replay-404") as client:
        session = await client.create_session("flappy-bots")
    for game, sid, code in (
        ("chess", session["sessionId"], "GAME_NOT_FOUND"),
        ("flappy-bots", "ses_nobody", "SESSION_NOT_FOUND"),
        ("shellrunners", session["sessionId"], "SESSION_NOT_FOUND"),  # a session of the other game
    ):
        answer = await replay(edge, game, sid)
        assert (answer.status_code, answer.json()["code"]) == (404, code)
