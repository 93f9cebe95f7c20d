"""The Faust shell around the fold, in Faust's ``test_context()`` (no broker).

Records go through the real runtime, and its table writes through the real turns
agent; the output topics are replaced by recorders so the test sees exactly what the
worker would publish.
"""

from __future__ import annotations

from pathlib import Path

import faust
import pytest

from infra.settings import TopicSettings, WorkerSettings
from schemas.codec import Codec
from schemas.records import (
    InputReceived,
    PlayerConnected,
    SeatRequested,
    SessionAbandoned,
    SessionOpened,
    encode_command,
)
from streams.sessions.agents import install
from streams.sessions.ownership import Owned
from streams.sessions.partition import PartitionFold
from streams.sessions.publishing import Outbox
from streams.sessions.runtime import SessionRuntime
from tests.sessions.helpers import Log


class Recorder:
    """Stands in for an output topic: keeps what was sent, by keyword."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, **message: object) -> None:
        self.sent.append(message)


@pytest.fixture
def runtime(tmp_path: Path) -> SessionRuntime:
    app = faust.App("agent-test", broker="kafka://localhost:1", store="memory://", datadir=str(tmp_path))
    runtime = install(app, WorkerSettings(worker_id="t", data_dir=tmp_path), TopicSettings(partitions=1), "localhost:1")
    app.finalize()
    app.flow_control.resume()
    for name in ("frames", "results", "seat_replies", "triggers", "turns"):
        setattr(runtime.topics, name, Recorder())
    # As after a rebalance: partition 0 is owned and recovered (from nothing).
    runtime.owned[0] = Owned(0, fold=PartitionFold(0))
    return runtime


async def fold_and_take_turns(runtime: SessionRuntime, records: list) -> None:
    """Fold records at offsets 0.. as the partition task does, then let the agent take the turns asked for."""
    codec = Codec()
    entry = runtime.owned[0]
    assert entry.fold is not None
    for offset, command in records:
        outbox = Outbox()
        runtime.fold_record(entry, entry.fold, encode_command(codec, command), offset, outbox, live=True)
        await runtime.publish(entry, outbox)
    async with runtime.app.agents["table_turns"].test_context() as context:
        for turn in runtime.topics.turns.sent:
            await context.put(turn["value"], partition=turn["partition"])


async def test_the_agent_folds_records_into_frames_views_and_decisions(runtime: SessionRuntime) -> None:
    codec = Codec()
    log = Log()
    records = [
        log.add("s1", SessionOpened("flappy-bots", "api", 3, "agt", "bot", 2)),
        log.add("s1", PlayerConnected("c1")),
        log.add("s1", SeatRequested("r1", "v1", "public")),
        log.add("s1", InputReceived(1, "flap", "c1")),
        log.tick(),
        log.tick(),
    ]
    await fold_and_take_turns(runtime, records)

    batches = [codec.decode("FrameBatch", m["value"]) for m in runtime.topics.frames.sent]
    assert [b["tickNo"] for b in batches] == [records[4][1].body.tickNo, records[5][1].body.tickNo]
    assert [f["lastInputSeq"] for b in batches for f in b["frames"]] == [1, 1]
    (decision,) = [codec.decode("SeatDecision", m["value"]) for m in runtime.topics.seat_replies.sent]
    assert decision["granted"] and decision["requestId"] == "r1"
    view = codec.decode("SessionView", runtime.tables.sessions[b"s1"])
    assert (view["status"], view["spectatorsCurrent"], view["spectatorsMax"]) == ("live", 1, 2)
    assert codec.decode("SpectatorCount", runtime.tables.spectators[b"s1"])["current"] == 1


async def test_a_tick_on_a_checkpoint_boundary_checkpoints_every_session(runtime: SessionRuntime) -> None:
    codec = Codec()
    log = Log(tick_no=runtime.checkpoint_ticks * 1000 - 1)
    records = [log.add("s1", SessionOpened("shellrunners", "api", 3, "agt", "bot", 2)), log.tick()]
    assert records[1][1].body.tickNo % runtime.checkpoint_ticks == 0
    await fold_and_take_turns(runtime, records)
    marker = codec.decode("PartitionCheckpoint", runtime.tables.checkpoints[b"0"])
    assert marker["activeSessions"] == ["s1"] and marker["offset"] == 1
    state = codec.decode("SessionState", runtime.tables.state[b"s1"])
    assert (state["appliedOffset"], state["status"]) == (1, "waiting")


async def test_ticks_alone_rewrite_no_view_and_checkpoint_nothing_off_a_boundary(runtime: SessionRuntime) -> None:
    # A live session's tick and score reach the edge in its frames; its views change
    # only with the session (here: opened, then live).
    codec = Codec()
    log = Log(tick_no=runtime.checkpoint_ticks * 1000 + 1)
    opened = [
        log.add("s1", SessionOpened("shellrunners", "api", 3, "agt", "bot", 2)),
        log.add("s1", PlayerConnected("c1")),
    ]
    await fold_and_take_turns(runtime, opened)
    turns = len(runtime.topics.turns.sent)
    ticks = [log.tick() for _ in range(40)]  # a second and more, short of any row to hit
    assert all(record.body.tickNo % runtime.checkpoint_ticks for _, record in ticks)
    await fold_and_take_turns(runtime, ticks)
    assert len(runtime.topics.turns.sent) == turns  # nothing to write, so no turn asked for
    view = codec.decode("SessionView", runtime.tables.sessions[b"s1"])
    assert (view["status"], view["tick"]) == ("live", 0)
    assert runtime.tables.state.get(b"s1") is None and runtime.tables.checkpoints.get(b"0") is None


class WriteLog(dict):
    """Stands in for a table: keeps every key written, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)


async def test_views_are_written_as_they_stand_at_the_turn_and_counts_only_when_they_change(
    runtime: SessionRuntime,
) -> None:
    codec = Codec()
    sessions, spectators = WriteLog(), WriteLog()
    runtime.tables.sessions, runtime.tables.spectators = sessions, spectators
    log = Log()
    # Opened, joined and watched before the turn: one view, one count, as they stand.
    await fold_and_take_turns(
        runtime,
        [
            log.add("s1", SessionOpened("flappy-bots", "api", 3, "agt", "bot", 2)),
            log.add("s1", PlayerConnected("c1")),
            log.add("s1", SeatRequested("r1", "v1", "public")),
        ],
    )
    assert (sessions.writes, spectators.writes) == ([b"s1"], [b"s1"])
    view = codec.decode("SessionView", sessions[b"s1"])
    assert (view["status"], view["spectatorsCurrent"]) == ("live", 1)
    # Ended: every seat comes back, so the count changed too.
    await fold_and_take_turns(runtime, [log.add("s1", SessionAbandoned("quit"))])
    assert (sessions.writes, spectators.writes) == ([b"s1"] * 2, [b"s1"] * 2)
    assert codec.decode("SpectatorCount", spectators[b"s1"])["current"] == 0
    # Unwatched: ending changes the view, not the count.
    await fold_and_take_turns(
        runtime,
        [log.add("s2", SessionOpened("shellrunners", "api", 4, "agt", "bot", 2)), log.add("s2", PlayerConnected("c2"))],
    )
    await fold_and_take_turns(runtime, [log.add("s2", SessionAbandoned("quit"))])
    assert sessions.writes.count(b"s2") == 2 and spectators.writes.count(b"s2") == 1
    assert codec.decode("SessionView", sessions[b"s2"])["status"] == "ended"
