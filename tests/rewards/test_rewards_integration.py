"""The rewards pipeline and the leaderboard on real worker and edge processes.

Exactly one outcome per api run, none for practice: for bots playing through the
edge with duplicate triggers over HTTP and the play socket, after ``kill -9`` of the
worker between result and trigger, with triggers arriving while a worker dies, and
when the outcome of a run is already in rewards.outcomes but not in the table (a crash
right after the send). Runs written straight to session.commands are placed on the
partitions of the worker about to be killed.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from app.timestamps import iso
from molt.bench.writer import CommandWriter
from molt.sdk import MoltClient
from molt.stack import Stack, Worker
from schemas.topics import REWARDS_OUTCOMES
from streams.rewards.ledger import ResultIn, Run, TriggerIn, apply, due
from streams.rewards.rules import RULES
from streams.sim.bots import reference_policy
from tests.commands import TopicReader, session_ids_on
from tests.rewards.helpers import (
    covers,
    finish_runs,
    outcome_counts,
    publish_outcome,
    published_outcomes,
    settle,
    trigger,
)

pytestmark = pytest.mark.integration


async def play_briefly(client: MoltClient, session: dict, frames: int, ws_triggers: int) -> dict:
    """Play with the reference policy for ``frames`` frames, then let go until the run ends."""
    game, policy = session["game"], reference_policy(session["game"])
    async with client.play(game, session["sessionId"]) as socket:
        seen = 0
        async for message in socket:
            if message["t"] == "frame":
                seen += 1
                action = policy(message["state"]) if seen <= frames else None
                if action is not None:
                    await socket.send(action)
        for _ in range(ws_triggers):
            await socket.send_snapshot()
        assert socket.result is not None
        return socket.result


async def leaderboard(edge_url: str, game: str, limit: int = 100) -> dict:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        response = await http.get(f"/api/games/{game}/leaderboard", params={"limit": limit})
        assert response.status_code == 200, response.text
        return response.json()


async def test_bots_api_runs_are_paid_once_and_ranked_practice_runs_never(edge, stack: Stack) -> None:
    async with await MoltClient.register(edge.url, "rewards-bot") as client:
        plan = [
            ("flappy-bots", "api", 120),
            ("flappy-bots", "api", 300),
            ("shellrunners", "api", 120),
            ("shellrunners", "api", 300),
            ("flappy-bots", "practice", 300),
            ("shellrunners", "practice", 300),
        ]
        sessions = [await client.create_session(game, mode=mode) for game, mode, _ in plan]
        # Every run triggers over the play socket, twice for half of them.
        results = await asyncio.gather(
            *(
                play_briefly(client, s, frames, 1 + i % 2)
                for i, (s, (_, _, frames)) in enumerate(zip(sessions, plan, strict=True))
            )
        )
        triggered_at = time.monotonic()  # the last play-socket trigger was just sent
        for session in sessions:  # and once more over HTTP: two or three in all, within the per-run quota
            assert await client.snapshot(session["game"], session["sessionId"]) == {"accepted": True}
        api = [r for r in results if r["mode"] == "api"]
        practice = [r for r in results if r["mode"] == "practice"]
        assert len(api) == 4 and len(practice) == 2

        async with TopicReader(stack.bootstrap, REWARDS_OUTCOMES.name, "RunOutcome", stack.partitions) as outcomes:
            await outcomes.until(covers([r["sessionId"] for r in api]))
        print(f"\nrewards: all 4 outcomes in {time.monotonic() - triggered_at:.2f} s after the last socket trigger")
        await settle(stack.bootstrap, stack.partitions)
        published = await published_outcomes(stack.bootstrap, stack.partitions)
        assert outcome_counts(published, [r["sessionId"] for r in results]) == {
            r["sessionId"]: (1 if r["mode"] == "api" else 0) for r in results
        }
        for result in api:
            (outcome,) = [o for o in published if o["sessionId"] == result["sessionId"]]
            rule = RULES[result["game"]]
            assert (outcome["score"], outcome["reward"], outcome["rule"]) == (
                result["score"],
                rule.reward(result["score"]),
                rule.name,
            )
            assert (outcome["playerId"], outcome["playerName"]) == (client.agent_id, "rewards-bot")
            assert outcome["finalStateHash"] == result["finalStateHash"]

        for game in ("flappy-bots", "shellrunners"):
            mine = sorted(
                (r for r in api if r["game"] == game), key=lambda r: (-r["score"], r["endedAtMs"], r["sessionId"])
            )
            ids = {r["sessionId"] for r in results}

            async def ranked() -> list[dict]:
                return [e for e in (await leaderboard(edge.url, game))["entries"] if e["sessionId"] in ids]

            deadline = time.monotonic() + 30
            while len(entries := await ranked()) < len(mine):
                assert time.monotonic() < deadline, f"{game}: leaderboard shows {entries}"
                await asyncio.sleep(0.2)  # the edge's view follows a changelog: polled over HTTP
            assert [e["sessionId"] for e in entries] == [r["sessionId"] for r in mine]
            assert [(e["score"], e["endedAt"], e["player"]) for e in entries] == [
                (r["score"], iso(r["endedAtMs"] / 1000), {"id": client.agent_id, "name": "rewards-bot"}) for r in mine
            ]
            board = (await leaderboard(edge.url, game))["entries"]
            assert [e["rank"] for e in board] == list(range(1, len(board) + 1))
            assert [e["score"] for e in board] == sorted((e["score"] for e in board), reverse=True)


async def test_leaderboard_refuses_unknown_games_and_bad_limits(edge) -> None:
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        unknown = await http.get("/api/games/pong/leaderboard")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "GAME_NOT_FOUND")
        for limit in ("0", "101", "ten"):
            bad = await http.get("/api/games/flappy-bots/leaderboard", params={"limit": limit})
            assert (bad.status_code, bad.json()["code"]) == (422, "INVALID_REQUEST")
        small = await http.get("/api/games/shellrunners/leaderboard", params={"limit": 1})
        assert small.status_code == 200 and small.json()["game"] == "shellrunners"
        assert len(small.json()["entries"]) <= 1


def start_second_worker(stack: Stack, name: str) -> tuple[Worker, list[int]]:
    """Start a worker beside the suite's and wait until they split the partitions."""
    survivor = stack.workers[0]
    second = stack.start_worker(name)
    survivor.process.wait_http_ok(f"{survivor.url}/readyz/", 60)
    partitions = second.readiness()["partitions"]
    assert partitions and sorted(partitions + survivor.readiness()["partitions"]) == list(range(stack.partitions))
    return second, partitions


async def finished_on(stack: Stack, writer: CommandWriter, partitions: list[int], api_each: int, prefix: str):
    """Finished runs on ``partitions``: ``api_each`` api runs and one practice run on each."""
    api = session_ids_on(partitions, api_each, stack.partitions, f"{prefix}-api")
    practice = session_ids_on(partitions, 1, stack.partitions, f"{prefix}-practice")
    runs = {**dict.fromkeys(api, "api"), **dict.fromkeys(practice, "practice")}
    await finish_runs(stack.bootstrap, stack.partitions, writer, runs)
    return api, practice


async def test_kill_9_between_result_and_trigger_pays_once(stack: Stack) -> None:
    doomed, partitions = start_second_worker(stack, "rewards-doomed-1")
    async with CommandWriter(stack.bootstrap) as writer:
        api, practice = await finished_on(stack, writer, partitions, 2, "kill")
        before_crash = await trigger(writer, api[:1], "http")  # one run is paid before the crash
        await settle(stack.bootstrap, stack.partitions)

        killed_at = time.monotonic()
        doomed.process.kill()
        stack.workers[0].wait_recovered(list(range(stack.partitions)))
        print(f"\nrewards: kill -9 to the survivor ready on every partition: {time.monotonic() - killed_at:.2f} s")
        acked = await trigger(writer, api + practice, "ws")
        await trigger(writer, api + practice, "http")
    await settle(stack.bootstrap, stack.partitions)
    published = await published_outcomes(stack.bootstrap, stack.partitions)
    assert outcome_counts(published, api + practice) == {**dict.fromkeys(api, 1), **dict.fromkeys(practice, 0)}
    paid_at = {o["sessionId"]: o["_atMs"] for o in published}
    latencies = sorted(paid_at[s] - acked[s] for s in api[1:])
    print(
        f"rewards: trigger acked to outcome: {paid_at[api[0]] - before_crash[api[0]]:.0f} ms before the crash; "
        f"on the new owner {latencies[len(latencies) // 2]:.0f} ms median, {latencies[-1]:.0f} ms max "
        f"over {len(latencies)} runs"
    )


async def test_triggers_while_the_worker_dies_pay_once(stack: Stack) -> None:
    doomed, partitions = start_second_worker(stack, "rewards-doomed-2")
    async with (
        CommandWriter(stack.bootstrap) as writer,
        TopicReader(stack.bootstrap, REWARDS_OUTCOMES.name, "RunOutcome", stack.partitions) as outcomes,
    ):
        api, practice = await finished_on(stack, writer, partitions, 4, "dying")
        half = len(api) // 2
        await trigger(writer, api[:half] + practice, "ws")
        # Once the first outcome is out, the worker dies while the other triggers arrive.
        await outcomes.until(lambda records: any(r["sessionId"] in api for r in records))
        await asyncio.gather(asyncio.to_thread(doomed.process.kill), trigger(writer, api[half:] + practice, "ws"))
        await trigger(writer, api + practice, "http")
        await outcomes.until(covers(api), timeout_s=120)
    await settle(stack.bootstrap, stack.partitions)
    counts = outcome_counts(await published_outcomes(stack.bootstrap, stack.partitions), api + practice)
    assert counts == {**dict.fromkeys(api, 1), **dict.fromkeys(practice, 0)}


async def test_an_outcome_already_in_the_topic_is_not_paid_again(stack: Stack) -> None:
    partition = 0
    sent_before, control = session_ids_on([partition], 2, stack.partitions, "scan")
    async with CommandWriter(stack.bootstrap) as writer:
        results = await finish_runs(stack.bootstrap, stack.partitions, writer, {sent_before: "api", control: "api"})
        paid = apply(apply(Run(sent_before), ResultIn(results[sent_before])), TriggerIn("earlier"))
        earlier = {**due(paid), "rule": "sent before the crash"}
        # As a worker that crashed after its outcome reached Kafka, before the table said so.
        await publish_outcome(stack.bootstrap, partition, earlier)
        # A worker joins: every partition is assigned anew, and its owner reads it from its mark.
        joined, _ = start_second_worker(stack, "rewards-joiner")
        try:
            await trigger(writer, [sent_before, control], "http")
            await settle(stack.bootstrap, stack.partitions)
        finally:
            joined.process.stop()
    published = await published_outcomes(stack.bootstrap, stack.partitions)
    assert [o["rule"] for o in published if o["sessionId"] == sent_before] == ["sent before the crash"]
    assert outcome_counts(published, [control]) == {control: 1}
