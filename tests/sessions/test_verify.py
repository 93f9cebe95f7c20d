"""A published run checked against the replay of its log: matches, and the first tick of a divergence."""

from __future__ import annotations

import dataclasses

import pytest

from schemas.records import InputReceived, PlayerConnected, SessionCommand, Tick
from streams.sessions.offline import fold_session
from streams.sessions.verify import check_run
from streams.sim.bots import reference_policy
from streams.sim.registry import ENGINES
from streams.sim.replay import record
from tests.sessions.helpers import Log, opened

S = "run"


def played() -> Log:
    """A flappy run of the reference bot, which gives up after 300 ticks (as the runtime's log holds it)."""
    bot = reference_policy("flappy-bots")
    actions = record(ENGINES["flappy-bots"], 3, lambda view: bot(view) if view["tick"] < 300 else None, 2_000)
    log = Log()
    log.add(S, opened(seed=3))
    log.tick()  # a tick while waiting: no frame
    log.add(S, PlayerConnected("c"))
    seq = 0
    for step in actions:
        for action in step:
            seq += 1
            log.add(S, InputReceived(seq, action, "c"))
        log.tick()
    return log


@pytest.fixture(scope="module")
def published() -> tuple[list, list[dict], list[dict]]:
    """(records, frames, results) of a run as the runtime published them."""
    records = played().records
    run = fold_session(S, 0, records)
    assert len(run.results) == 1 and run.results[0]["ticks"] > 100, "the run ends within the log"
    end = run.results[0]["commandOffsets"]["last"]
    return [r for r in records if r[0] <= end], run.frames, run.results


def tick_of(records: list, index: int) -> int:
    """The session tick of the first Tick after ``records[index]`` (where an input there applies)."""
    connected = next(i for i, (_, c) in enumerate(records) if type(c.body) is PlayerConnected)
    return sum(type(c.body) is Tick for _, c in records[connected : index + 1]) + 1


def inputs(records: list) -> list[int]:
    return [i for i, (_, c) in enumerate(records) if type(c.body) is InputReceived]


def renumbered(records: list) -> list:
    """The records at consecutive offsets, as in a copied log."""
    return [(offset, command) for offset, (_, command) in enumerate(records)]


def test_the_published_run_matches_its_log(published) -> None:
    records, frames, results = published
    check = check_run(results, records, frames)
    assert check.matched and check.divergence is None
    assert check.ticks_replayed == results[0]["ticks"] == check.frames_published
    assert check.frames_missing == 0 and not check.hash_only


def test_an_altered_input_diverges_at_the_tick_it_applied_to(published) -> None:
    records, frames, results = published
    index = inputs(records)[5]
    offset, command = records[index]
    body = dataclasses.replace(command.body, action="dive")  # not an action of the game: dropped by the fold
    altered = [*records[:index], (offset, dataclasses.replace(command, body=body)), *records[index + 1 :]]
    check = check_run(results, altered, frames)
    assert not check.matched
    assert check.divergence.tick == tick_of(records, index)
    assert "lastInputSeq" in check.divergence.reason


def test_a_dropped_input_diverges_at_the_tick_it_applied_to(published) -> None:
    records, frames, results = published
    index = inputs(records)[9]
    check = check_run(results, renumbered(records[:index] + records[index + 1 :]), frames)
    assert not check.matched
    assert check.divergence.tick == tick_of(records, index)


def test_an_added_input_diverges_at_the_tick_it_applies_to(published) -> None:
    records, frames, results = published
    index = inputs(records)[3] + 3  # three ticks after an input, six before the next one
    assert type(records[index][1].body) is Tick
    following = records[inputs(records)[4]][1]
    early = SessionCommand(S, 1, "intruder", 1, following.atMs, following.body)  # the next flap, three ticks early
    check = check_run(results, renumbered([*records[: index + 1], (0, early), *records[index + 1 :]]), frames)
    assert not check.matched
    assert check.divergence.tick == tick_of(records, index)


def test_a_dropped_tick_diverges_where_the_run_goes_out_of_step(published) -> None:
    records, frames, results = published
    index = inputs(records)[2] - 1  # the Tick just before an input
    assert type(records[index][1].body) is Tick
    check = check_run(results, renumbered(records[:index] + records[index + 1 :]), frames)
    assert not check.matched
    # The next Tick takes the dropped one's number, and with it the input: it applies a tick early.
    assert check.divergence.tick == tick_of(records, index - 1)


def test_a_tampered_frame_or_result_is_a_mismatch(published) -> None:
    records, frames, results = published
    tampered = [*frames[:49], {**frames[49], "frameJson": frames[49]["frameJson"].replace("false", "true", 1)}]
    check = check_run(results, records, tampered + frames[50:])
    assert (check.divergence.tick, check.divergence.reason) == (50, "the frame differs: state")
    forged = {**results[0], "finalStateHash": "0" * 32}
    check = check_run([results[0], forged], records, frames)
    assert check.divergence.tick == results[0]["ticks"]
    assert "finalStateHash" in check.divergence.reason


def test_frames_never_published_or_gone_are_not_a_mismatch(published) -> None:
    records, frames, results = published
    with_gap = frames[:10] + frames[21:]  # a worker took the partition over and re-folded ticks 11-21
    check = check_run(results, records, with_gap)
    assert check.matched and check.frames_missing == 11
    gone = check_run(results, records, [])  # past session.frames' retention
    assert gone.matched and gone.hash_only
    forged = {**results[0], "score": results[0]["score"] + 1}
    assert check_run([forged], records, []).divergence.tick == results[0]["ticks"]


def test_a_log_that_stops_early_or_never_opens_the_session(published) -> None:
    records, frames, results = published
    short = check_run(results, records[:-40], frames)
    assert not short.matched
    assert short.divergence.reason.startswith("a frame was published for tick")
    assert short.divergence.tick == short.ticks_replayed + 1
    unopened = check_run(results, records[1:], frames)
    assert unopened.divergence.tick == 0


def test_a_run_of_another_engine_version_is_skipped_not_replayed(published) -> None:
    records, frames, results = published
    older = {**results[0], "engineVersion": results[0]["engineVersion"] - 1}
    check = check_run([older], records, frames)
    assert check.skipped and "engine version" in check.skipped
    assert not check.matched and check.divergence is None
