"""The session fold: lifecycle, inputs, endings, seats and idempotence."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.records import (
    InputReceived,
    PlayerConnected,
    PlayerDisconnected,
    SeatOccupied,
    SeatReleased,
    SeatRenewed,
    SeatRequested,
    SessionAbandoned,
)
from streams.sessions.fold import Effects
from streams.sessions.seating import NOT_SPECTATABLE, SESSION_ENDED, SPECTATORS_FULL
from streams.sim.registry import ENGINES
from tests.sessions.helpers import Folder, Log, opened

S = "ses_1"


def live_session(**policy: int) -> tuple[Log, Folder]:
    log = Log()
    folder = Folder().feed(log.add(S, opened(**policy)), log.add(S, PlayerConnected("c1")))
    return log, folder


def test_opened_session_waits_and_a_connection_makes_it_live() -> None:
    log = Log()
    folder = Folder().feed(log.add(S, opened()))
    assert folder.fold.sessions[S].status == "waiting"
    folder.feed(log.tick())
    assert folder.effects.frames == []  # a waiting session does not step
    folder.feed(log.add(S, PlayerConnected("c1")), log.tick())
    state = folder.fold.sessions[S]
    assert state.status == "live" and state.started_at_ms is not None
    assert [f["seq"] for f in folder.effects.frames] == [1]


def test_inputs_apply_at_the_next_tick_and_frames_report_them() -> None:
    log, folder = live_session()
    folder.feed(log.add(S, InputReceived(1, "flap", "c1")), log.add(S, InputReceived(2, "flap", "c1")))
    assert folder.effects.frames == []
    folder.feed(log.tick(), log.tick())
    first, second = folder.effects.frames
    assert first["lastInputSeq"] == 2 and second["lastInputSeq"] == 2
    engine = ENGINES["flappy-bots"]
    expected = engine.step(engine.initial_state(7), ("flap", "flap")).state
    assert json.loads(first["frameJson"]) == engine.frame(expected)


def test_frames_carry_the_state_hash_every_30_ticks_and_at_the_end() -> None:
    log, folder = live_session()
    for seq in range(1, 4):  # a flap every 19 ticks keeps the bird up for a while
        folder.feed(*(log.tick() for _ in range(19)), log.add(S, InputReceived(seq, "flap", "c1")))
    while not folder.effects.results:  # then it falls to the ground
        folder.feed(log.tick())
    frames = folder.effects.frames
    hashed = [f["seq"] for f in frames if f["stateHash"]]
    assert len(frames) > 30
    assert hashed == [f["seq"] for f in frames if f["seq"] % 30 == 0 or f is frames[-1]]
    assert frames[-1]["stateHash"] == folder.effects.results[0]["finalStateHash"]


def test_a_fold_that_wants_no_frames_decides_exactly_the_same() -> None:
    # Recovery re-folds without building frames; the states and results must not notice.
    log = Log()
    records = [log.add(S, opened()), log.add(S, PlayerConnected("c1"))]
    for seq in range(1, 4):
        records += [*(log.tick() for _ in range(19)), log.add(S, InputReceived(seq, "flap", "c1"))]
    records += [log.tick() for _ in range(200)]  # long enough to fall to the ground
    with_frames, without = Folder(), Folder(effects=Effects(want_frames=False))
    with_frames.feed(*records[:60])
    without.feed(*records[:60])
    assert with_frames.fold.sessions[S].status == "live"
    assert without.fold.sessions == with_frames.fold.sessions  # mid-run: every field of the state
    with_frames.feed(*records[60:])
    without.feed(*records[60:])
    assert with_frames.effects.frames and without.effects.frames == []
    assert with_frames.effects.results and without.effects.results == with_frames.effects.results


def test_stale_duplicate_and_foreign_inputs_are_dropped() -> None:
    log, folder = live_session()
    folder.feed(
        log.add(S, InputReceived(5, "flap", "c1")),
        log.add(S, InputReceived(5, "flap", "c1")),  # same seq again
        log.add(S, InputReceived(4, "flap", "c1")),  # older seq
        log.add(S, InputReceived(6, "flap", "old-socket")),  # not the current connection
        log.add(S, InputReceived(7, "dance", "c1")),  # not an action of the game
    )
    assert folder.fold.sessions[S].pending == ["flap"]


def test_redelivered_records_change_nothing() -> None:
    log, folder = live_session()
    record = log.add(S, InputReceived(1, "flap", "c1"))
    tick = log.tick()
    folder.feed(record, tick)
    snapshot = (folder.fold.sessions[S].engine_state, len(folder.effects.frames))
    folder.feed(record, tick)  # same offsets again, as after a crash
    _, command = record
    log.records.append((len(log.records), command))  # a producer retry: same seq, new offset
    folder.feed(log.records[-1])
    folder.feed(log.tick())
    state = folder.fold.sessions[S]
    assert snapshot[1] == 1 and len(folder.effects.frames) == 2
    assert state.last_input_seq == 1 and state.pending == []


def test_a_collision_ends_the_run_with_one_result() -> None:
    log, folder = live_session()
    for _ in range(200):  # never flapping, the bird falls to the ground
        folder.feed(log.tick())
    assert S not in folder.fold.sessions
    (result,) = folder.effects.results
    assert result["endReason"] == "collision"
    assert result["commandOffsets"] == {"partition": 0, "first": 0, "last": result["commandOffsets"]["last"]}
    assert result["ticks"] == len(folder.effects.frames)
    assert result["finalStateHash"] == folder.effects.frames[-1]["stateHash"]


def test_player_gone_longer_than_grace_abandons_the_run() -> None:
    log, folder = live_session(graceMs=1000)
    folder.feed(log.add(S, PlayerDisconnected("c1")), log.tick())
    assert folder.fold.sessions[S].status == "live"
    log.wait_ms(1000)
    folder.feed(log.tick())
    (result,) = folder.effects.results
    assert result["endReason"] == "abandoned"


def test_reconnecting_within_grace_resumes_the_same_run() -> None:
    log, folder = live_session(graceMs=1000)
    folder.feed(log.add(S, PlayerDisconnected("c1")))
    log.wait_ms(900)
    folder.feed(log.add(S, PlayerConnected("c2")), log.tick())
    log.wait_ms(2000)
    folder.feed(log.tick())
    assert folder.effects.results == []
    assert folder.fold.sessions[S].connection_id == "c2"


def test_the_disconnect_of_a_replaced_socket_is_ignored() -> None:
    log, folder = live_session(graceMs=1000)
    folder.feed(log.add(S, PlayerConnected("c2")), log.add(S, PlayerDisconnected("c1")))
    log.wait_ms(5000)
    folder.feed(log.tick())
    assert folder.effects.results == []


def test_a_waiting_session_nobody_joins_expires() -> None:
    log = Log()
    folder = Folder().feed(log.add(S, opened(waitingExpiryMs=2000)), log.tick())
    log.wait_ms(2000)
    folder.feed(log.tick())
    (result,) = folder.effects.results
    assert (result["endReason"], result["ticks"]) == ("expired", 0)


def test_session_abandoned_ends_the_run_and_later_records_change_nothing() -> None:
    log, folder = live_session()
    folder.feed(log.tick(), log.add(S, SessionAbandoned("quit")), log.tick(), log.add(S, PlayerConnected("c9")))
    (result,) = folder.effects.results
    assert result["endReason"] == "quit" and result["ticks"] == 1


def request(log: Log, viewer: str, request_id: str) -> tuple:
    return log.add(S, SeatRequested(request_id, viewer, "public"))


def test_seats_are_granted_up_to_capacity_then_refused_with_counts() -> None:
    log, folder = live_session()
    folder.effects.changed.clear()
    folder.feed(*(request(log, f"v{i}", f"r{i}") for i in range(5)))
    granted = [d for d in folder.decisions() if d["granted"]]
    refused = [d for d in folder.decisions() if not d["granted"]]
    assert len(granted) == 3 and len(refused) == 2
    assert {(d["code"], d["spectatorsCurrent"], d["spectatorsMax"]) for d in refused} == {(SPECTATORS_FULL, 3, 3)}
    assert S in folder.effects.changed  # the spectators view must show the new count


def test_a_viewer_asking_again_gets_the_same_seat() -> None:
    log, folder = live_session()
    folder.feed(request(log, "v1", "r1"), request(log, "v1", "r2"))
    first, second = folder.decisions()
    assert first["granted"] and second["granted"] and first["leaseId"] == second["leaseId"]
    assert second["spectatorsCurrent"] == 1


def test_releasing_a_seat_lets_exactly_one_more_in() -> None:
    log, folder = live_session()
    folder.feed(*(request(log, f"v{i}", f"r{i}") for i in range(3)))
    lease = folder.decisions()[0]["leaseId"]
    folder.feed(log.add(S, SeatReleased(lease)), request(log, "v8", "r8"), request(log, "v9", "r9"))
    assert [d["granted"] for d in folder.decisions()[3:]] == [True, False]


def test_an_unclaimed_seat_expires_after_the_claim_window() -> None:
    log, folder = live_session(seatClaimMs=1000)
    folder.feed(request(log, "v1", "r1"))
    log.wait_ms(900)  # + one tick period: still inside the window
    folder.feed(log.tick())
    assert len(folder.fold.sessions[S].seats) == 1
    log.wait_ms(100)
    folder.feed(log.tick())
    assert folder.fold.sessions[S].seats == {}
    assert S in folder.effects.changed


def test_an_occupied_seat_lives_while_renewed_and_expires_without() -> None:
    log, folder = live_session(seatLeaseMs=1000)
    folder.feed(request(log, "v1", "r1"))
    lease = folder.decisions()[0]["leaseId"]
    folder.feed(log.add(S, SeatOccupied(lease, "sock")))
    for _ in range(3):
        log.wait_ms(800)
        folder.feed(log.add(S, SeatRenewed(lease)), log.tick())
    assert lease in folder.fold.sessions[S].seats
    log.wait_ms(1100)
    folder.feed(log.tick())
    assert folder.fold.sessions[S].seats == {}


def test_a_tick_looks_at_the_seats_only_once_the_earliest_may_have_expired() -> None:
    log, folder = live_session(seatClaimMs=5000, seatLeaseMs=1000)
    folder.feed(request(log, "v1", "r1"), log.tick())
    state = folder.fold.sessions[S]
    claim_ends = state.seats["lse_r1"].granted_at_ms + 5000
    assert state.seats_expire_from_ms == claim_ends
    log.wait_ms(100)
    folder.feed(request(log, "v2", "r2"))
    # Occupied, the seat's lease runs out before its claim window would have.
    folder.feed(log.add(S, SeatOccupied("lse_r1", "sock")))
    assert state.seats_expire_from_ms == log.now_ms + 1000


# Seat traffic on a session nobody plays (so no run ends it): grants, claims, renewals,
# releases, time passing and ticks, in any order.
_SEAT_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("request"), st.integers(0, 5)),
        st.tuples(st.sampled_from(["occupy", "renew", "release"]), st.integers(0, 7)),
        st.tuples(st.just("wait"), st.integers(0, 1500)),
        st.tuples(st.just("tick"), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(_SEAT_OPS)
def test_skipping_seat_scans_decides_as_scanning_every_tick(ops: list[tuple[str, int]]) -> None:
    log = Log()
    start = log.add(S, opened(spectators_max=4, seatClaimMs=1000, seatLeaseMs=700, waitingExpiryMs=10**9))
    lazy, eager = Folder().feed(start), Folder().feed(start)
    for n, (op, arg) in enumerate(ops):
        leases = [d["leaseId"] for d in lazy.decisions() if d["granted"]]
        if op == "request":
            record = request(log, f"v{arg}", f"r{n}")
        elif op == "wait":
            log.wait_ms(arg)
            continue
        elif op == "tick":
            record = log.tick()
            eager.fold.sessions[S].seats_expire_from_ms = 0  # the reference scans every tick
        elif not leases:
            continue
        else:
            lease = leases[arg % len(leases)]
            body = {"occupy": SeatOccupied(lease, "sock"), "renew": SeatRenewed(lease), "release": SeatReleased(lease)}[
                op
            ]
            record = log.add(S, body)
        lazy.feed(record)
        eager.feed(record)
        state = lazy.fold.sessions[S]
        assert state.seats == eager.fold.sessions[S].seats
        assert lazy.decisions() == eager.decisions()
        assert lazy.effects.changed == eager.effects.changed
        # Each viewer's seat, as the index has it, is the one a look at every seat finds.
        for viewer in (f"v{i}" for i in range(6)):
            held = [seat for seat in state.seats.values() if seat.viewer_id == viewer]
            assert [state.seat_of(viewer)] == (held or [None])


def test_practice_and_ended_sessions_refuse_seats() -> None:
    log = Log()
    folder = Folder().feed(log.add("p", opened(mode="practice")), log.add("p", SeatRequested("r1", "v", "public")))
    assert folder.decisions()[0]["code"] == NOT_SPECTATABLE
    log2, folder2 = live_session()
    folder2.feed(log2.add(S, SessionAbandoned("quit")), request(log2, "v1", "r1"))
    assert folder2.decisions()[0]["code"] == SESSION_ENDED


def test_ending_a_run_frees_every_seat() -> None:
    log, folder = live_session()
    folder.feed(request(log, "v1", "r1"), log.add(S, SessionAbandoned("quit")))
    assert folder.effects.results[0]["sessionId"] == S
    assert folder.fold.recently_ended and S not in folder.fold.sessions


def test_a_late_tick_of_a_previous_owner_is_skipped() -> None:
    log, folder = live_session()
    folder.feed(log.tick())
    log.tick_no -= 5  # the next tick carries an older number
    folder.feed(log.tick())
    assert len(folder.effects.frames) == 1
