"""Pages of a run's frames from the log (GET .../sessions/{sessionId}/frames) on a real edge
and worker: while the run is live, for the holder of a spectate seat, what its spectators
saw, from any tick; once it ended, public, paged to its final frame, as its replay."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect

from molt.sdk import MoltClient
from molt.stack import Edge
from tests.app.test_play_and_spectate import public_token
from tests.web.conftest import live_bot

pytestmark = pytest.mark.integration

GAME = "shellrunners"


def frames_path(session_id: str, game: str = GAME) -> str:
    return f"/api/games/{game}/sessions/{session_id}/frames"


async def test_a_live_run_pages_from_any_tick_for_a_seat_holder_then_publicly_once_ended(edge: Edge) -> None:
    async with live_bot(edge.url, GAME, "rewound-bot") as bot, httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        sid = bot.session_id
        token = (await public_token(edge.url, GAME, sid)).json()
        seen: dict[int, dict] = {}
        async with connect(token["wsUrl"]) as ws:
            await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
            assert json.loads(await ws.recv())["t"] == "welcome"
            while max(seen, default=0) < 200:
                message = json.loads(await ws.recv())
                if message["t"] == "frame":
                    seen[message["tick"]] = {k: message[k] for k in ("tick", "state", "lastInputSeq")}
            await bot.check_playing()

            refused = await http.get(frames_path(sid))
            assert (refused.status_code, refused.json()["code"]) == (401, "UNAUTHENTICATED")
            seat = {"authorization": f"Bearer {token['token']}"}
            forged = await http.get(frames_path(sid), headers={"authorization": "Bearer x.y.z"})
            assert (forged.status_code, forged.json()["code"]) == (401, "TOKEN_INVALID")
            too_many = await http.get(frames_path(sid), params={"limit": 601}, headers=seat)
            assert (too_many.status_code, too_many.json()["code"]) == (422, "INVALID_REQUEST")

            page = (await http.get(frames_path(sid), params={"fromTick": 120, "limit": 50}, headers=seat)).json()
            assert (page["status"], page["fromTick"], page["nextTick"]) == ("live", 120, 170)
            assert page["liveTick"] >= 200
            assert [frame["tick"] for frame in page["frames"]] == list(range(120, 170))
            for frame in page["frames"]:  # what the socket carried at that tick
                assert seen.get(frame["tick"], frame) == frame
            start = (await http.get(frames_path(sid), params={"limit": 5}, headers=seat)).json()
            assert [frame["tick"] for frame in start["frames"]] == [1, 2, 3, 4, 5]
            assert (await bot.client.session(GAME, sid))["spectatorsCurrent"] == 1, "reading took no seat"
            bot.pilot.crash = True
            async for text in ws:  # the spectator is told the end
                if json.loads(text)["t"] == "end":
                    break
        result = (await bot.client.session(GAME, sid))["result"]

        # Ended: public (no seat to hold any more), paged to the final frame, as the replay has it.
        paged: list[dict] = []
        next_tick: int | None = 0
        while next_tick is not None:
            page = (await http.get(frames_path(sid), params={"fromTick": next_tick, "limit": 600})).json()
            assert page["status"] == "ended" and page["liveTick"] == result["ticks"]
            paged += page["frames"]
            next_tick = page["nextTick"]
        replay = (await http.get(f"/api/games/{GAME}/sessions/{sid}/replay")).json()
        assert paged == replay["frames"] and paged[-1]["tick"] == result["ticks"]


async def test_a_practice_run_has_no_pages_and_unknown_runs_are_404(edge: Edge) -> None:
    async with await MoltClient.register(edge.url, "private-pages") as client:
        practice = await client.create_session(GAME, mode="practice")
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        for game, sid, status, code in (
            (GAME, practice["sessionId"], 403, "NOT_SPECTATABLE"),
            (GAME, "ses_nobody", 404, "SESSION_NOT_FOUND"),
            ("chess", practice["sessionId"], 404, "GAME_NOT_FOUND"),
        ):
            answer = await http.get(frames_path(sid, game))
            assert (answer.status_code, answer.json()["code"]) == (status, code)
