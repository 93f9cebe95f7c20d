"""The play and spectate contract (DESIGN.md §3-4) against real worker and edge processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect

from app.tokens import TokenIssuer, TokenKeys
from infra.aio import cancel_and_wait
from infra.settings import EdgeSettings
from molt.bench.bots import BOT_LEAD_TICKS
from molt.sdk import MoltApiError, MoltClient
from streams.sim.bots import reference_policy
from tests.wallets import wallet_access_token

pytestmark = pytest.mark.integration

WALLET_KEY = "0x" + "42" * 32


async def recv(ws, timeout: float = 10.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def until(ws, kind: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = await recv(ws, max(0.1, deadline - time.monotonic()))
        if message["t"] == kind:
            return message


@contextlib.asynccontextmanager
async def play_socket_by_hand(client: MoltClient, slug: str, session_id: str) -> AsyncIterator:
    """A play socket opened without the SDK, authenticated and welcomed."""
    token = await client.play_token(slug, session_id)
    async with connect(token["wsUrl"]) as ws:
        await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
        assert (await recv(ws))["t"] == "welcome"
        yield ws


async def a_new_socket_resumes_the_run(client: MoltClient, slug: str, session_id: str) -> None:
    """The run survived what happened to its socket: a new one resumes it and frames go on."""
    async with client.play(slug, session_id) as game:
        async for message in game:
            assert message["t"] in ("frame", "spectators"), message
            if message["t"] == "frame":
                break


def frames_sent(edge_url: str, path: str) -> float:
    """The edge's count of frames handed to sockets by ``path`` (wire or queued), from /metrics."""
    metrics = httpx.get(f"{edge_url}/metrics", timeout=10).text
    line = next(
        line for line in metrics.splitlines() if line.startswith(f'molt_edge_frames_sent_total{{path="{path}"}}')
    )
    return float(line.rsplit(" ", 1)[1])


@contextlib.asynccontextmanager
async def a_live_run(client: MoltClient, session_id: str) -> AsyncIterator[None]:
    """A Flappy Bots run played by the reference bot, entered once it is live; the player
    closes its socket on the way out. The bot plans a tick ahead, as the bench's do: on a
    loaded machine its inputs land a tick late, and a run that crashes early would end the
    test's reading before it saw enough frames."""
    live = asyncio.Event()
    policy = reference_policy("flappy-bots", BOT_LEAD_TICKS)

    def play(state: dict) -> str | None:
        live.set()
        return policy(state)

    playing = asyncio.create_task(client.play_with("flappy-bots", session_id, play))
    try:
        await asyncio.wait_for(live.wait(), 30)
        yield
    finally:
        await cancel_and_wait(playing)


async def public_token(edge_url: str, slug: str, session_id: str, **body: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        return await http.post(f"/api/games/{slug}/sessions/{session_id}/spectate-token-public", json=body or None)


async def test_a_bot_plays_a_whole_run_and_triggers_the_snapshot(edge) -> None:
    async with await MoltClient.register(edge.url, "sdk-bot") as client:
        session = await client.create_session("shellrunners", seed=5)
        frames, last_seen_seq = 0, 0
        policy = reference_policy("shellrunners")
        async with client.play("shellrunners", session["sessionId"]) as game:
            assert game.welcome["role"] == "play" and game.welcome["sessionId"] == session["sessionId"]
            async for message in game:
                if message["t"] == "frame":
                    frames += 1
                    assert message["lastInputSeq"] >= last_seen_seq
                    last_seen_seq = message["lastInputSeq"]
                    if frames == 90:
                        live = await client.live_sessions("shellrunners")
                        assert session["sessionId"] in {s["sessionId"] for s in live}
                        break
                    action = policy(message["state"])
                    if action is not None:
                        await game.send(action)
            assert last_seen_seq > 0, "inputs were applied and reported back in frames"
        detail = await client.session("shellrunners", session["sessionId"])
        assert detail["status"] == "live" and detail["startedAt"] is not None


async def test_a_run_ends_with_the_result_and_the_snapshot_is_accepted(edge) -> None:
    async with await MoltClient.register(edge.url, "faller") as client:
        session = await client.create_session("flappy-bots", seed=9)
        with pytest.raises(MoltApiError) as early:
            await client.snapshot("flappy-bots", session["sessionId"])
        assert early.value.code == "RUN_NOT_ENDED"
        result = await client.play_with("flappy-bots", session["sessionId"], lambda state: None)  # never flaps
        assert result["sessionId"] == session["sessionId"] and result["endReason"] == "collision"
        assert (await client.snapshot("flappy-bots", session["sessionId"])) == {"accepted": True}
        assert (await client.snapshot("flappy-bots", session["sessionId"])) == {"accepted": True}
        ended = await client.session("flappy-bots", session["sessionId"])
        assert ended["status"] == "ended" and ended["result"]["finalStateHash"] == result["finalStateHash"]


async def test_public_spectator_gets_state_at_once_then_frames_and_counts(edge) -> None:
    async with await MoltClient.register(edge.url, "watched") as client:
        session = await client.create_session("flappy-bots", seed=1, spectators_max=3)
        sid = session["sessionId"]
        # Seats are granted while the session waits for its player, and held by viewer id.
        token = await public_token(edge.url, "flappy-bots", sid)
        assert token.status_code == 200, token.text
        body = token.json()
        assert body["viewerId"].startswith("anon_") and body["expiresIn"] == 60
        assert (body["spectatorsCurrent"], body["spectatorsMax"]) == (1, 3)
        again = await public_token(edge.url, "flappy-bots", sid, viewerId=body["viewerId"])
        assert again.status_code == 200 and again.json()["spectatorsCurrent"] == 1
        # The player keeps the run going (an unflapped bird falls in under a second),
        # and the spectator joins once the run is live.
        async with a_live_run(client, sid):
            async with connect(again.json()["wsUrl"]) as ws:
                await ws.send(json.dumps({"t": "auth", "token": again.json()["token"]}))
                welcome = await recv(ws)
                assert welcome["t"] == "welcome" and welcome["role"] == "spectate"
                assert welcome["state"] is not None and welcome["state"]["game"] == "flappy-bots"
                first = await until(ws, "frame")
                second = await until(ws, "frame")
                assert second["tick"] > first["tick"]
                # A spectator's input is refused; the socket and the session go on.
                await ws.send(json.dumps({"t": "input", "seq": 1, "action": "flap"}))
                assert (await until(ws, "error"))["code"] == "BAD_MESSAGE"
                assert (await until(ws, "frame"))["tick"] > second["tick"]
                # Under the edge's own server, frames skip the socket's sender (app.ws.wire).
                assert frames_sent(edge.url, "wire") > 0


async def test_a_spectator_that_negotiated_deflate_reads_the_same_frames_off_its_sessions_stream(edge) -> None:
    """Two spectators of one run, one negotiating permessage-deflate (as browsers and the
    SDK do), one not: both read the same frames; the first gets them compressed once the
    session's stream starts an epoch (every 2 s: app.ws.deflate), and websockets' own
    inflater reads them."""
    async with await MoltClient.register(edge.url, "deflated") as client:
        sid = (await client.create_session("flappy-bots", seed=3, spectators_max=2))["sessionId"]
        async with a_live_run(client, sid):
            tokens = [(await public_token(edge.url, "flappy-bots", sid)).json() for _ in range(2)]
            async with (
                connect(tokens[0]["wsUrl"]) as deflating,
                connect(tokens[1]["wsUrl"], compression=None) as plain,
            ):
                [extension] = deflating.protocol.extensions
                compressed: list[bool] = []
                inflate = extension.decode

                def noting(frame, **options):  # what came compressed, read by websockets' inflater
                    compressed.append(frame.rsv1)
                    return inflate(frame, **options)

                extension.decode = noting  # type: ignore[method-assign]
                for ws, token in ((deflating, tokens[0]), (plain, tokens[1])):
                    await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
                    assert (await recv(ws))["t"] == "welcome"

                async def frames(ws) -> dict[int, dict]:
                    read: dict[int, dict] = {}
                    while len(read) < 100:  # over 3 s of frames: past an epoch's start
                        message = await until(ws, "frame")
                        read[message["tick"]] = message
                    return read

                seen_deflated, seen_plain = await asyncio.gather(frames(deflating), frames(plain))
    both = seen_deflated.keys() & seen_plain.keys()
    assert len(both) > 50 and all(seen_deflated[tick] == seen_plain[tick] for tick in both)
    assert compressed.count(True) > 30, "most frames came off the session's deflate stream"


async def test_authenticated_spectator_flow_uses_the_wallet(edge) -> None:
    async with (
        await MoltClient.register(edge.url, "watched2") as client,
        httpx.AsyncClient(base_url=edge.url, timeout=30) as http,
    ):
        session = await client.create_session("shellrunners", seed=2)
        sid = session["sessionId"]
        anonymous = await http.post(f"/api/games/shellrunners/sessions/{sid}/spectate-token")
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "UNAUTHENTICATED")
        access = await wallet_access_token(http, WALLET_KEY)
        token = await http.post(
            f"/api/games/shellrunners/sessions/{sid}/spectate-token", headers={"Authorization": f"Bearer {access}"}
        )
        assert token.status_code == 200, token.text
        assert token.json()["viewerId"].startswith("0x")
        # The cookie set at sign-in is an access session too.
        assert http.cookies.get("molt_access")


async def test_socket_refusals_carry_the_contract_codes(edge) -> None:
    async with await MoltClient.register(edge.url, "refusals") as client:
        session = await client.create_session("flappy-bots")
        other = await client.create_session("flappy-bots")
        sid = session["sessionId"]
        dev = TokenIssuer(TokenKeys.from_settings(EdgeSettings(env="development")), 60)
        cases = [
            ("garbage", "TOKEN_INVALID", 4401),
            (
                dev.issue(
                    role="play",
                    game="flappy-bots",
                    session_id=sid,
                    subject=client.agent_id,
                    seat=None,
                    now=time.time() - 3600,
                ).token,
                "TOKEN_EXPIRED",
                4401,
            ),
            (
                dev.issue(
                    role="play", game="flappy-bots", session_id=other["sessionId"], subject=client.agent_id, seat=None
                ).token,
                "FORBIDDEN",
                4403,
            ),
            (
                dev.issue(role="spectate", game="flappy-bots", session_id=sid, subject="v", seat="x").token,
                "FORBIDDEN",
                4403,
            ),
        ]
        base = edge.url.replace("http", "ws")
        for token, code, close in cases:
            async with connect(f"{base}/ws/flappy-bots/play?sessionId={sid}") as ws:
                await ws.send(json.dumps({"t": "auth", "token": token}))
                error = await recv(ws)
                assert (error["t"], error["code"]) == ("error", code)
                await ws.wait_closed()
                assert ws.close_code == close
        async with connect(f"{base}/ws/flappy-bots/play?sessionId={sid}") as ws:
            started = time.monotonic()
            error = await recv(ws, timeout=10)
            assert error["code"] == "AUTH_TIMEOUT" and time.monotonic() - started >= 4.5
            await ws.wait_closed()
            assert ws.close_code == 4401


async def test_bad_messages_get_errors_then_a_close_and_the_run_goes_on(edge) -> None:
    async with await MoltClient.register(edge.url, "noisy") as client:
        session = await client.create_session("flappy-bots", seed=4)
        sid = session["sessionId"]
        async with play_socket_by_hand(client, "flappy-bots", sid) as ws:
            for bad in (
                "not json",
                '{"t":"dance"}',
                json.dumps({"t": "input", "seq": 1, "action": "x" * 5000}),
                json.dumps({"t": "input", "seq": 1, "action": "moonwalk"}),
            ):
                await ws.send(bad)
                assert (await until(ws, "error"))["code"] == "BAD_MESSAGE"
            await ws.send("[]")
            await until(ws, "error")
            await ws.wait_closed()
            assert ws.close_code == 1008
        await a_new_socket_resumes_the_run(client, "flappy-bots", sid)


async def test_a_second_play_socket_replaces_the_first_and_the_run_resumes(edge) -> None:
    async with await MoltClient.register(edge.url, "twice") as client:
        session = await client.create_session("shellrunners", seed=8)
        sid = session["sessionId"]
        async with play_socket_by_hand(client, "shellrunners", sid) as first:
            frame = await until(first, "frame")
            async with client.play("shellrunners", sid) as second:
                replaced = await until(first, "error")
                assert replaced["code"] == "REPLACED"
                await first.wait_closed()
                assert first.close_code == 4000
                await second.send("left")
                async for message in second:
                    if message["t"] == "frame" and message["lastInputSeq"] == 1:
                        assert message["tick"] > frame["tick"]
                        break


async def test_practice_sessions_are_never_listed_nor_watched(edge) -> None:
    async with await MoltClient.register(edge.url, "practiser") as client:
        practice = await client.create_session("flappy-bots", mode="practice")
        sid = practice["sessionId"]
        async with client.play("flappy-bots", sid) as game:
            async for message in game:
                if message["t"] == "frame":
                    break
            live = await client.live_sessions("flappy-bots")
            assert sid not in {s["sessionId"] for s in live}
            assert (await client.session("flappy-bots", sid))["joinable"] is False
            refused = await public_token(edge.url, "flappy-bots", sid)
            assert (refused.status_code, refused.json()["code"]) == (403, "NOT_SPECTATABLE")
    async with await MoltClient.register(edge.url, "stranger") as stranger:
        with pytest.raises(MoltApiError) as not_owner:
            await stranger.play_token("flappy-bots", sid)
        assert (not_owner.value.status, not_owner.value.code) == (403, "NOT_SESSION_OWNER")


async def test_a_full_session_answers_409_with_the_exact_body(edge) -> None:
    async with await MoltClient.register(edge.url, "popular") as client:
        session = await client.create_session("flappy-bots", spectators_max=1)
        sid = session["sessionId"]
        async with client.play("flappy-bots", sid):
            assert (await public_token(edge.url, "flappy-bots", sid)).status_code == 200
            full = await public_token(edge.url, "flappy-bots", sid)
        assert full.status_code == 409
        assert full.json() == {
            "code": "SPECTATORS_FULL",
            "message": "1/1 spectators limit reached for this livestream",
            "spectatorsCurrent": 1,
            "spectatorsMax": 1,
        }


async def test_an_input_flood_is_rate_limited_then_closed_and_the_run_goes_on(edge) -> None:
    async with await MoltClient.register(edge.url, "flooder") as client:
        session = await client.create_session("shellrunners", seed=6)
        sid = session["sessionId"]
        async with play_socket_by_hand(client, "shellrunners", sid) as ws:
            for seq in range(1, 201):  # far beyond the burst a bot ever needs
                await ws.send(json.dumps({"t": "input", "seq": seq, "action": "left"}))
            assert (await until(ws, "error"))["code"] == "RATE_LIMITED"
            await ws.wait_closed()
            assert ws.close_code == 1008
        await a_new_socket_resumes_the_run(client, "shellrunners", sid)


async def test_a_live_run_is_listed_as_of_its_latest_frame(edge) -> None:
    # The worker rewrites a session's view when the session changes, not as it ticks:
    # the edge takes a live run's tick and score from the frames it reads.
    policy = reference_policy("shellrunners")
    async with (
        await MoltClient.register(edge.url, "listed") as client,
        httpx.AsyncClient(base_url=edge.url, timeout=10) as http,
    ):
        sid = (await client.create_session("shellrunners", seed=5))["sessionId"]
        async with client.play("shellrunners", sid) as game:
            async for message in game:
                if message["t"] != "frame":
                    continue
                if message["tick"] >= 45:
                    seen = message
                    break
                if game.ready_for_input() and (action := policy(message["state"])) is not None:
                    await game.send(action)
            detail = (await http.get(f"/api/games/shellrunners/sessions/{sid}")).json()
            live = (await http.get("/api/games/shellrunners/sessions/live")).json()["sessions"]
    assert detail["status"] == "live"
    assert detail["tick"] >= seen["tick"] and detail["score"] >= seen["state"]["score"] > 0
    assert [entry["tick"] >= seen["tick"] for entry in live if entry["sessionId"] == sid] == [True]
