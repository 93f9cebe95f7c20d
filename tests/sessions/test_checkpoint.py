"""A checkpointed session, restored, folds on exactly like one never interrupted."""

from __future__ import annotations

import json

from schemas.codec import Codec
from schemas.records import InputReceived, PlayerConnected, SeatOccupied, SeatRequested
from streams.sessions.checkpoint import state_from_datum, state_to_datum
from streams.sessions.partition import PartitionFold
from streams.sim.bots import reference_policy
from tests.sessions.helpers import Folder, Log, opened

TICKS = 150


def build_log(game: str) -> Log:
    """A live run played by the reference bot, with a seat, still running at the end."""
    log = Log()
    folder = Folder().feed(
        log.add("a", opened(game=game, seed=11)),
        log.add("a", PlayerConnected("c1")),
        log.add("a", SeatRequested("r1", "v1", "public")),
        log.add("a", SeatOccupied("lse_r1", "sock-1")),
    )
    policy = reference_policy(game)
    for seq in range(1, TICKS):
        frames = folder.effects.frames
        action = policy(json.loads(frames[-1]["frameJson"])) if frames else None
        if action is not None:
            folder.feed(log.add("a", InputReceived(seq, action, "c1")))
        folder.feed(log.tick())
    assert "a" in folder.fold.sessions, "the reference bot survives the test run"
    return log


def test_restored_state_continues_identically() -> None:
    codec = Codec()
    for game in ("flappy-bots", "shellrunners"):
        log = build_log(game)
        cut = len(log.records) // 2
        straight = Folder().feed(*log.records)
        first_half = Folder().feed(*log.records[:cut])
        saved = {
            sid: codec.encode("SessionState", state_to_datum(state)) for sid, state in first_half.fold.sessions.items()
        }
        restored_sessions = {sid: state_from_datum(codec.decode("SessionState", raw)) for sid, raw in saved.items()}
        restored = Folder(PartitionFold(0, restored_sessions, cut - 1))
        restored.feed(*log.records[cut:])
        tail = len(straight.effects.frames) - len(restored.effects.frames)
        assert restored.effects.frames == straight.effects.frames[tail:], game
        assert restored.effects.results == straight.effects.results, game
        assert {s: v.engine_state for s, v in restored.fold.sessions.items()} == {
            s: v.engine_state for s, v in straight.fold.sessions.items()
        }


def test_checkpoint_round_trip_keeps_every_field() -> None:
    log = build_log("shellrunners")
    state = Folder().feed(*log.records).fold.sessions["a"]
    codec = Codec()
    restored = state_from_datum(codec.decode("SessionState", codec.encode("SessionState", state_to_datum(state))))
    assert restored == state
    # What is derived rather than stored is derived again: the viewer's seat is found.
    assert restored.seat_of("v1") is restored.seats["lse_r1"]
