"""The session runtime on real worker processes and a real broker.

Failover (kill -9 a worker mid-run), capacity exactness under concurrent seat
requests from two processes, lease expiry, and duplicate delivery.
"""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from infra.logreader import read_range
from infra.runlog import session_partition
from infra.settings import REPO_ROOT
from molt.bench.writer import CommandWriter
from molt.stack import Stack
from schemas.codec import Codec
from schemas.records import (
    InputReceived,
    PlayerConnected,
    SeatReleased,
    SeatRequested,
    SessionAbandoned,
    SessionOpened,
    decode_command,
)
from schemas.topics import SEAT_REPLIES, SESSION_COMMANDS, SESSION_RESULTS, SPECTATORS_VIEW, view_topic
from streams.sessions.offline import fold_session
from tests.commands import RecordingBotDriver, TopicReader, session_ids_on

pytestmark = pytest.mark.integration


async def offline_fold(bootstrap: str, result: dict):
    offsets = result["commandOffsets"]
    codec = Codec()
    raw = await read_range(bootstrap, SESSION_COMMANDS.name, offsets["partition"], offsets["first"], offsets["last"])
    records = [(offset, decode_command(codec, value)) for offset, value in raw]
    return fold_session(result["sessionId"], offsets["partition"], records)


def results_for(session_ids: set[str]):
    def done(records: list[dict]) -> bool:
        return session_ids <= {r["sessionId"] for r in records}

    return done


async def wait_for(condition, timeout_s: float, what) -> None:
    """Wait for a condition the driver's background task makes true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what() if callable(what) else what)
        await asyncio.sleep(0.05)  # the driver task fills the state we look at


async def test_failover_after_kill_9_resumes_every_session_exactly(stack: Stack) -> None:
    survivor = stack.workers[0]
    doomed = stack.start_worker("worker-doomed")
    # Both workers must have settled on the new assignment before sessions start.
    survivor.process.wait_http_ok(f"{survivor.url}/readyz/", 60)
    doomed_partitions = doomed.readiness()["partitions"]
    survivor_partitions = survivor.readiness()["partitions"]
    assert doomed_partitions and survivor_partitions
    assert sorted(doomed_partitions + survivor_partitions) == list(range(stack.partitions))

    sessions = session_ids_on(list(range(stack.partitions)), 2, stack.partitions, "failover")
    games = {sid: ("flappy-bots" if i % 2 else "shellrunners") for i, sid in enumerate(sessions)}
    bootstrap = stack.bootstrap
    async with (
        CommandWriter(bootstrap) as writer,
        TopicReader(bootstrap, SESSION_RESULTS.name, "RunResult", stack.partitions) as results,
    ):
        driver = RecordingBotDriver(writer, bootstrap, stack.partitions)
        await driver.start()
        try:
            for sid in sessions:
                await writer.send(sid, SessionOpened(games[sid], "api", 1234, "agt_f", "failover-bot", 5))
                await writer.send(sid, PlayerConnected(f"conn-{sid}"))
                driver.drive(sid, games[sid], f"conn-{sid}")
            await wait_for(
                lambda: all(driver.ended(s) or len(driver.frames[s]) >= 45 for s in sessions),
                60,
                lambda: f"sessions did not start: {[(len(driver.frames[s]), driver.ended(s)) for s in sessions]}",
            )
            live_on_doomed = [
                s
                for s in sessions
                if not driver.ended(s) and session_partition(s, stack.partitions) in doomed_partitions
            ]
            assert live_on_doomed, "no session is live on the worker about to be killed"

            resuming = {session_partition(s, stack.partitions) for s in live_on_doomed}
            killed_at = time.time()
            doomed.process.kill()

            def new_owner_batches() -> list[tuple[float, dict]]:
                # Ticks scheduled after the kill can only come from the new owner.
                return [
                    (arrived, b)
                    for arrived, b in driver.batches
                    if b["partition"] in doomed_partitions and b["scheduledAtUs"] > killed_at * 1e6
                ]

            # Partitions whose sessions all ended meanwhile have nothing left to tick.
            await wait_for(
                lambda: {b["partition"] for _, b in new_owner_batches()} >= resuming,
                90,
                "the survivor never resumed the killed worker's live sessions",
            )
            first_resumed = min(arrived for arrived, _ in new_owner_batches())
            print(f"\nfailover: kill -9 to first frame on the new owner: {first_resumed - killed_at:.2f} s")
            counts = {s: len(driver.frames[s]) for s in sessions}
            await wait_for(
                lambda: all(driver.ended(s) or len(driver.frames[s]) >= counts[s] + 30 for s in sessions),
                60,
                "a session stopped ticking after the failover",
            )
            for sid in sessions:
                driver.release(sid)
                await writer.send(sid, SessionAbandoned("test over"))
            published = await results.until(results_for(set(sessions)), 60)
        finally:
            await driver.stop()

    by_session: dict[str, list[dict]] = {}
    for result in published:
        by_session.setdefault(result["sessionId"], []).append(result)
    for sid in sessions:
        runs = by_session[sid]
        assert all(r == runs[0] for r in runs), "a re-published result must be identical"
        result = runs[0]
        offline = await offline_fold(bootstrap, result)
        assert offline.results == [result], sid
        # Every input Kafka acknowledged before the run ended was applied by the fold.
        last_offset = result["commandOffsets"]["last"]
        acked = [seq for seq, offset in driver.acked[sid] if offset < last_offset]
        assert offline.state is not None and offline.state.last_received_seq == max(acked, default=0)
        # The frames the runtime published are the offline fold's frames, tick for tick.
        published_frames = {f["seq"]: f for f in driver.frames[sid]}
        for frame in offline.frames:
            if frame["seq"] in published_frames:
                assert published_frames[frame["seq"]] == frame


def decisions_for(request_ids: set[str]):
    def done(records: list[dict]) -> bool:
        return request_ids <= {r["requestId"] for r in records}

    return done


async def storm_from_two_processes(bootstrap: str, session_id: str, per_process: int) -> None:
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.seat_storm",
            bootstrap,
            session_id,
            prefix,
            str(per_process),
            stdout=asyncio.subprocess.PIPE,
            cwd=str(REPO_ROOT),
        )
        for prefix in ("a", "b")
    ]
    outputs = [await proc.communicate() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs


async def test_capacity_is_exact_under_a_storm_from_two_processes(stack: Stack) -> None:
    bootstrap = stack.bootstrap
    (session_id,) = session_ids_on([0], 1, stack.partitions, "capacity")
    async with (
        CommandWriter(bootstrap) as writer,
        TopicReader(bootstrap, SEAT_REPLIES.name, "SeatDecision", stack.partitions) as replies,
        TopicReader(bootstrap, view_topic("molt", SPECTATORS_VIEW).name, "SpectatorCount", stack.partitions) as counts,
    ):
        # Waiting (nobody connects) for long enough; unclaimed seats expire after 8 s.
        await writer.send(
            session_id,
            SessionOpened("flappy-bots", "api", 1, "agt_c", "cap", 50, waitingExpiryMs=600_000, seatClaimMs=8_000),
        )
        await storm_from_two_processes(bootstrap, session_id, 250)
        storm_ids = {f"{p}-{i}" for p in ("a", "b") for i in range(250)}
        decisions = [d for d in await replies.until(decisions_for(storm_ids)) if d["requestId"] in storm_ids]
        granted = [d for d in decisions if d["granted"]]
        refused = [d for d in decisions if not d["granted"]]
        assert (len(decisions), len(granted), len(refused)) == (500, 50, 450)
        assert {(d["code"], d["spectatorsCurrent"], d["spectatorsMax"]) for d in refused} == {
            ("SPECTATORS_FULL", 50, 50)
        }
        assert len({d["leaseId"] for d in granted}) == 50

        await writer.send(session_id, SeatReleased(granted[0]["leaseId"], "closed"))
        extra = {f"extra-{i}" for i in range(10)}
        for request_id in sorted(extra):
            await writer.send(session_id, SeatRequested(request_id, f"viewer-{request_id}", "authenticated"))
        late = [d for d in await replies.until(decisions_for(extra)) if d["requestId"] in extra]
        assert sorted(d["granted"] for d in late) == [False] * 9 + [True]

        # Nobody occupies a seat: every claim expires and the count returns to zero.
        def count_back_to_zero(records: list[dict]) -> bool:
            mine = [r for r in records if r["sessionId"] == session_id]
            return bool(mine) and mine[-1]["current"] == 0 and any(r["current"] == 50 for r in mine)

        await counts.until(count_back_to_zero, timeout_s=60)


async def test_records_delivered_twice_give_the_same_run_and_one_result(stack: Stack) -> None:
    bootstrap = stack.bootstrap
    (session_id,) = session_ids_on([1], 1, stack.partitions, "dup")
    async with (
        CommandWriter(bootstrap) as writer,
        TopicReader(bootstrap, SESSION_RESULTS.name, "RunResult", stack.partitions) as results,
    ):
        commands = [
            writer.command(session_id, SessionOpened("shellrunners", "api", 99, "agt_d", "dup", 5)),
            writer.command(session_id, PlayerConnected("c1")),
        ]
        for command in commands:
            for _ in range(2):  # every record delivered twice
                await writer.send_command(command)
        for seq, action in enumerate(["left", "jump", "right", "duck", "left"], start=1):
            command = writer.command(session_id, InputReceived(seq, action, "c1"))
            await writer.send_command(command)
            await writer.send_command(command)
        abandon = writer.command(session_id, SessionAbandoned("test over"))
        await writer.send_command(abandon)
        await writer.send_command(abandon)
        published = await results.until(results_for({session_id}))
        # Send the whole run once more after it ended: nothing may come of it.
        for command in [*commands, abandon]:
            await writer.send_command(command)
        marker = session_ids_on([1], 1, stack.partitions, "marker")[0]
        await writer.send(marker, SessionOpened("flappy-bots", "api", 1, "agt_m", "m", 1, waitingExpiryMs=1))
        published = await results.until(results_for({session_id, marker}))
    mine = [r for r in published if r["sessionId"] == session_id]
    assert len(mine) == 1
    offline = await offline_fold(bootstrap, mine[0])
    assert offline.results == mine
    assert offline.state.last_received_seq == 5
