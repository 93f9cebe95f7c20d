"""``molt replay`` and ``molt export`` on runs played through the real stack.

Runs of both games are played by SDK bots through a real edge and worker; then the
commands run as real subprocesses against the suite's broker, with the stack's
settings. Altered logs are copies of a real run in topics of their own (a prefix, as
a MirrorMaker copy would be named), so the product's own topics stay intact.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from avro.datafile import DataFileReader
from avro.io import DatumReader

from infra.aio import run_on_own_loop
from infra.logreader import LogReader
from infra.runlog import RunLog, RunTopics
from molt.processes import molt_argv
from molt.sdk import MoltClient
from molt.stack import Edge, Stack
from schemas.codec import Codec
from schemas.records import InputReceived, encode_command
from streams.sessions.verify import check_run
from streams.sim.bots import reference_policy

pytestmark = pytest.mark.integration

RUNS = {"flappy-bots": 6, "shellrunners": 4}
# The bots act on every 5th of the first ticks whatever they see (so every run has
# inputs however late the frames reach them), then steer, then stop after this many
# ticks, so every run ends soon after.
EAGER_TICKS = 30
EAGER_ACTION = {"flappy-bots": "flap", "shellrunners": "jump"}
STEERED_TICKS = 240
CLI_TIMEOUT_S = 180


def steered(game: str):
    bot = reference_policy(game)

    def policy(state: dict) -> str | None:
        if state["tick"] < EAGER_TICKS:
            return EAGER_ACTION[game] if state["tick"] % 5 == 0 else None
        return bot(state) if state["tick"] < STEERED_TICKS else None

    return policy


async def play_runs(url: str) -> list[dict]:
    """Every run's result: RUNS of each game at once, plus a practice run."""

    async def one(game: str, index: int, mode: str = "api") -> dict:
        async with await MoltClient.register(url, f"replayed-{game}-{index}") as client:
            session = await client.create_session(game, mode=mode, seed=1_000 + index)
            return await client.play_with(game, session["sessionId"], steered(game))

    plays = [one(game, i) for game, count in RUNS.items() for i in range(count)]
    return await asyncio.gather(*plays, one("flappy-bots", 99, mode="practice"))


@pytest.fixture(scope="module")
def played(edge: Edge) -> list[dict]:
    return run_on_own_loop(play_runs(edge.url))


def molt(stack: Stack, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env()}
    return subprocess.run(molt_argv(*args), env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False)


async def run_records(stack: Stack, session_id: str, topics: RunTopics = RunTopics()) -> tuple[list, list, list]:
    """(results, commands, frames) of a run, as Logged records read back from the log."""
    async with LogReader(stack.bootstrap) as reader:
        log = RunLog(reader, stack.partitions, topics)
        results = (await log.results(session_id))[session_id]
        head = results[0].value
        return results, await log.commands([head]), (await log.frames([head]))[session_id]


async def lone_input(stack: Stack, played: list[dict]) -> tuple[list, list, list, int, int]:
    """A run with an input applied last at its tick (without it, that frame's lastInputSeq
    is lower): (results, commands, frames, index of the input in ``commands``, the tick)."""
    for result in played:
        results, commands, frames = await run_records(stack, result["sessionId"])
        last_seq = {f.value["seq"]: f.value["lastInputSeq"] for f in frames}
        for index, logged in enumerate(commands):
            body = logged.value.body
            if type(body) is InputReceived:
                tick = min((t for t, seq in last_seq.items() if seq >= body.inputSeq), default=0)
                if last_seq.get(tick) == body.inputSeq:
                    return results, commands, frames, index, tick
    raise AssertionError("no run has an input applied last at its tick")


def test_replay_all_matches_every_published_run(stack: Stack, played: list[dict]) -> None:
    done = molt(stack, "replay", "--all")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    runs = int(summary.split()[0])
    assert runs >= len(played)
    assert summary.startswith(f"{runs} runs replayed: {runs} matched, 0 mismatched")
    assert f"replayed {runs}/{runs}" in done.stderr


def test_replay_of_one_run_compares_every_frame(stack: Stack, played: list[dict]) -> None:
    for result in played:
        if result["game"] == "shellrunners":
            break
    done = molt(stack, "replay", result["sessionId"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{result['ticks']} published frames compared" in done.stdout
    assert f"final state hash {result['finalStateHash'][:16]}… matches" in done.stdout
    assert done.stdout.strip().endswith("MATCH")


def test_replay_of_an_unknown_session_is_a_clear_error(stack: Stack) -> None:
    done = molt(stack, "replay", "ses_does_not_exist")
    assert done.returncode == 2
    assert "error SESSION_NOT_FOUND:" in done.stderr and "ses_does_not_exist" in done.stderr


async def test_an_altered_real_log_diverges_at_the_altered_tick(stack: Stack, played: list[dict]) -> None:
    results, commands, frames, index, tick = await lone_input(stack, played)
    datums = [r.value for r in results]
    records = [(c.offset, c.value) for c in commands]
    published = [f.value for f in frames]
    assert check_run(datums, records, published).matched
    dropped = check_run(datums, records[:index] + records[index + 1 :], published)
    assert dropped.divergence.tick == tick


async def copy_run(stack: Stack, session_id: str, prefix: str, drop: int | None, with_frames: bool = True) -> None:
    """Copy a run to ``prefix``-named topics, without its command record number ``drop``."""
    results, commands, frames = await run_records(stack, session_id)
    topics = RunTopics.prefixed(prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        names = (topics.commands, topics.frames, topics.results)
        await admin.create_topics([NewTopic(name, stack.partitions, 1) for name in names])
    finally:
        await admin.close()
    codec = Codec()
    kept = commands if drop is None else commands[:drop] + commands[drop + 1 :]
    partition = kept[0].partition
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()

    async def send(topic: str, value: bytes, key: str, timestamp_ms: int) -> None:
        # Same partition, same timestamps: the copy is found as the original is.
        await producer.send_and_wait(topic, value, key=key.encode(), partition=partition, timestamp_ms=timestamp_ms)

    try:
        for c in kept:
            await send(topics.commands, encode_command(codec, c.value), c.value.sessionId, c.timestamp_ms)
        for f in frames if with_frames else ():
            batch = {"partition": partition, "tickNo": f.value["seq"], "scheduledAtUs": 0, "frames": [f.value]}
            await send(topics.frames, codec.encode("FrameBatch", batch), "", f.timestamp_ms)
        result = {**results[0].value, "commandOffsets": {"partition": partition, "first": 0, "last": len(kept) - 1}}
        await send(topics.results, codec.encode("RunResult", result), session_id, results[0].timestamp_ms)
    finally:
        await producer.stop()


async def test_a_log_written_in_the_single_object_encoding_replays_equal(stack: Stack, played: list[dict]) -> None:
    """The product writes the standard framing (magic byte 0, the registry's schema id);
    a log written before it, in Avro's single-object encoding (what ``copy_run``'s
    registry-less codec writes), still replays, frame by frame, equal."""
    result = played[1]
    session_id = result["sessionId"]
    prefix = f"single-object-{secrets.token_hex(4)}."
    await copy_run(stack, session_id, prefix, drop=None)
    async with LogReader(stack.bootstrap) as reader:
        for topics, first_bytes in ((RunTopics(), b"\x00"), (RunTopics.prefixed(prefix), b"\xc3\x01")):
            log = RunLog(reader, stack.partitions, topics)
            head = (await log.results(session_id))[session_id][0].value
            records = await log.command_records([head])
            assert records and {r.value[: len(first_bytes)] for r in records} == {first_bytes}
    done = molt(stack, "replay", "--topic-prefix", prefix, session_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{result['ticks']} published frames compared" in done.stdout and done.stdout.strip().endswith("MATCH")


async def test_replay_reports_a_copied_log_with_a_dropped_input(stack: Stack, played: list[dict]) -> None:
    results, _, _, index, tick = await lone_input(stack, played)
    session_id = results[0].value["sessionId"]
    prefix = f"altered-{secrets.token_hex(4)}."
    await copy_run(stack, session_id, prefix, drop=index)
    done = molt(stack, "replay", "--topic-prefix", prefix, session_id)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"MISMATCH from tick {tick}: the frame differs: lastInputSeq" in done.stdout
    # --all folds in a process pool: the mismatch and its tick come back from there too.
    every = molt(stack, "replay", "--all", "--topic-prefix", prefix)
    assert every.returncode == 1, every.stdout + every.stderr
    assert f"MISMATCH from tick {tick}: the frame differs: lastInputSeq" in every.stdout
    assert "1 runs replayed: 0 matched, 1 mismatched" in every.stdout


async def test_replay_of_a_run_whose_frames_are_gone_checks_its_result(stack: Stack, played: list[dict]) -> None:
    result = played[3]
    prefix = f"expired-{secrets.token_hex(4)}."
    await copy_run(stack, result["sessionId"], prefix, drop=None, with_frames=False)
    done = molt(stack, "replay", "--topic-prefix", prefix, result["sessionId"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "frames:   none published any more (kept one day): compared the result only" in done.stdout
    assert f"replayed {result['ticks']} ticks" in done.stdout and done.stdout.strip().endswith("MATCH")


def test_export_writes_the_run_as_avro_and_json_lines(stack: Stack, played: list[dict], tmp_path: Path) -> None:
    result = played[2]
    session_id = result["sessionId"]
    counts = {}
    for fmt, extra in (("avro", ()), ("jsonl", ()), ("avro", ("--frames",))):
        out = tmp_path / f"run{''.join(extra)}.{fmt}"
        done = molt(stack, "export", session_id, "--format", fmt, "-o", str(out), *extra)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "wrote" in done.stderr and str(out) in done.stderr
        counts[(fmt, extra)] = out
    with DataFileReader(counts[("avro", ())].open("rb"), DatumReader()) as reader:
        assert json.loads(reader.meta["avro.schema"])["name"] == "games.moltstation.live.RunExportRecord"
        records = list(reader)
    lines = [json.loads(line) for line in counts[("jsonl", ())].read_text().splitlines()]
    assert len(records) == len(lines) > result["ticks"]
    assert [r["offset"] for r in records] == [line["offset"] for line in lines]
    assert lines[0]["record"]["body"]["type"] == "SessionOpened"
    assert records[0]["record"]["body"]["seed"] == lines[0]["record"]["body"]["seed"]
    assert lines[-1]["record"]["type"] == "RunResult" and lines[-1]["topic"] == "session.results"
    assert records[-1]["record"]["finalStateHash"] == result["finalStateHash"]
    assert all(line["record"]["sessionId"] in (session_id, "") for line in lines)
    with DataFileReader(counts[("avro", ("--frames",))].open("rb"), DatumReader()) as reader:
        with_frames = list(reader)
    assert len(with_frames) == len(records) + result["ticks"]
    assert [r["record"]["seq"] for r in with_frames[len(records) :]] == list(range(1, result["ticks"] + 1))


def test_export_of_an_unknown_session_is_a_clear_error(stack: Stack, tmp_path: Path) -> None:
    done = molt(stack, "export", "ses_nope", "--format", "jsonl", "-o", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2 and "error SESSION_NOT_FOUND:" in done.stderr
    assert not (tmp_path / "x.jsonl").exists()
