"""The session fold: how each record of session.commands changes a session.

Pure and deterministic: no clock, no I/O. Time is the ``atMs`` the record carries,
so the runtime and an offline replay of the same log decide the same. The fold
mutates the ``SessionState`` it is given (see streams.sessions.model) and appends
what must be published to an ``Effects``; the Faust shell writes those out.

Idempotence: ``accept`` refuses a record at or below the session's applied offset
(redelivery) and one whose (producerId, seq) was seen already (a producer retry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.records import (
    InputReceived,
    PlayerConnected,
    PlayerDisconnected,
    SeatOccupied,
    SeatReleased,
    SeatRenewed,
    SeatRequested,
    SessionAbandoned,
    SessionCommand,
    SessionOpened,
    SnapshotTriggered,
    Tick,
)
from streams.sessions import seating
from streams.sessions.model import ABANDONED, ENDED, EXPIRED, LIVE, QUIT, WAITING, Policy, SessionState
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES

# The state hash costs as much as a step: frames carry it once a second and on the
# final frame (replays compare every frame's JSON, and the hash where it is set).
HASH_EVERY_TICKS = 30
NO_ACTIONS: tuple[str, ...] = ()


@dataclass(slots=True)
class Effects:
    """What a fold step asks the shell to publish."""

    frames: list[dict] = field(default_factory=list)  # SessionFrame datums
    results: list[dict] = field(default_factory=list)  # RunResult datums
    decisions: list[dict] = field(default_factory=list)  # SeatDecision datums
    changed: set[str] = field(default_factory=set)  # sessions whose views must be rewritten
    # False while re-folding the past (recovery): its frames are never sent, and
    # building them is most of a tick's cost.
    want_frames: bool = True


def open_session(command: SessionCommand, opened: SessionOpened, offset: int, partition: int) -> SessionState | None:
    """A new session from its SessionOpened record; None for a game this build lacks."""
    engine = ENGINES.get(opened.game)
    if engine is None:
        return None
    return SessionState(
        session_id=command.sessionId,
        partition=partition,
        game=opened.game,
        mode=opened.mode,
        seed=opened.seed,
        player_id=opened.playerId,
        player_name=opened.playerName,
        spectators_max=opened.spectatorsMax,
        engine_version=engine.engine_version,
        policy=Policy(
            opened.graceMs,
            opened.waitingExpiryMs,
            opened.seatClaimMs,
            opened.seatLeaseMs,
            opened.seatsPerClient,
            opened.seatsPerClientTotal,
        ),
        created_at_ms=command.atMs,
        first_offset=offset,
        engine_state=engine.initial_state(opened.seed),
        applied_offset=offset,
        producers={command.producerId: command.seq},
    )


def accept(state: SessionState, command: SessionCommand, offset: int) -> bool:
    """Whether this record is new to the session; records it as applied if so."""
    if offset <= state.applied_offset:
        return False
    state.applied_offset = offset
    if command.seq <= state.producers.get(command.producerId, 0):
        return False
    state.producers[command.producerId] = command.seq
    return True


def apply(state: SessionState, command: SessionCommand, offset: int, effects: Effects) -> None:
    """Fold one non-tick record into its session."""
    if not accept(state, command, offset):
        return
    now = command.atMs
    match command.body:
        case InputReceived(inputSeq=seq, action=action, connectionId=connection):
            # Inputs from a replaced socket, out of order, or not an action of the game
            # are dropped: the edge validated them, so these are stale, not malicious.
            if (
                state.status == LIVE
                and connection == state.connection_id
                and seq > state.last_received_seq
                and ENGINES[state.game].validate_action(action) is None
            ):
                state.pending.append(action)
                state.last_received_seq = seq
        case PlayerConnected(connectionId=connection):
            if state.status == ENDED:
                return
            if state.status == WAITING:
                state.status = LIVE
                state.started_at_ms = now
                effects.changed.add(state.session_id)
            state.connection_id = connection
            state.disconnected_at_ms = None
        case PlayerDisconnected(connectionId=connection):
            if connection == state.connection_id:
                state.connection_id = None
                state.disconnected_at_ms = now
        case SeatRequested() as requested:
            seating.request(state, command, requested, effects)
        case SeatOccupied() as occupied:
            seating.occupy(state, command, occupied, effects)
        case SeatRenewed() as renewed:
            seating.renew(state, command, renewed)
        case SeatReleased() as released:
            seating.release(state, command, released, effects)
        case SnapshotTriggered():
            state.snapshot_requested = True
        case SessionAbandoned():
            _end(state, QUIT, command, offset, effects)
        case SessionOpened():
            pass  # a second SessionOpened for the same id changes nothing


def tick(state: SessionState, command: SessionCommand, body: Tick, offset: int, effects: Effects) -> None:
    """Advance one session by one partition Tick."""
    if offset <= state.applied_offset or body.tickNo <= state.last_tick_no or state.status == ENDED:
        return
    state.applied_offset = offset
    state.last_tick_no = body.tickNo
    now = command.atMs
    if state.seats and now > state.seats_expire_from_ms:
        seating.expire(state, command, effects)
    if state.status == WAITING:
        if now - state.created_at_ms > state.policy.waiting_expiry_ms:
            _end(state, EXPIRED, command, offset, effects)
        return
    if state.connection_id is None and state.disconnected_at_ms is not None:
        if now - state.disconnected_at_ms > state.policy.grace_ms:
            _end(state, ABANDONED, command, offset, effects)
            return
    engine = ENGINES[state.game]
    # This runs for every live session 30 times a second, and most ticks carry no input.
    pending = state.pending
    actions = NO_ACTIONS
    if pending:
        actions = tuple(pending)
        pending.clear()
    step = engine.advance(state.engine_state, actions)
    state.engine_state = step.state
    state.last_input_seq = state.last_received_seq
    if effects.want_frames:
        effects.frames.append(frame_datum(engine, state, step.ended))
    if step.ended:
        _end(state, step.end_reason or "ended", command, offset, effects, already_in_engine=True)


def frame_datum(engine: GameEngine, state: SessionState, final: bool) -> dict[str, Any]:
    """The SessionFrame of a session that ``engine`` just stepped (``final``: its last)."""
    engine_state = state.engine_state
    seq = engine.tick_of(engine_state)
    return {
        "sessionId": state.session_id,
        "engineVersion": state.engine_version,
        "seq": seq,
        "lastInputSeq": state.last_input_seq,
        "stateHash": engine.state_hash(engine_state) if final or seq % HASH_EVERY_TICKS == 0 else "",
        "frameJson": engine.frame_json(engine_state),
    }


def _end(
    state: SessionState,
    reason: str,
    command: SessionCommand,
    offset: int,
    effects: Effects,
    *,
    already_in_engine: bool = False,
) -> None:
    engine = ENGINES[state.game]
    if not already_in_engine:
        state.engine_state = engine.end(state.engine_state, reason)
    state.status = ENDED
    state.ended_at_ms = command.atMs
    state.end_offset = offset
    state.pending.clear()
    seating.free_all(state, command, effects)
    effects.results.append(result_datum(state))
    effects.changed.add(state.session_id)


def result_datum(state: SessionState) -> dict[str, Any]:
    engine = ENGINES[state.game]
    ticks = engine.tick_of(state.engine_state)
    return {
        "sessionId": state.session_id,
        "engineVersion": state.engine_version,
        "seq": ticks,
        "game": state.game,
        "mode": state.mode,
        "playerId": state.player_id,
        "playerName": state.player_name,
        "seed": state.seed,
        "ticks": ticks,
        "score": engine.score_of(state.engine_state),
        "endReason": engine.end_reason_of(state.engine_state) or "ended",
        "finalStateHash": engine.state_hash(state.engine_state),
        "commandOffsets": {"partition": state.partition, "first": state.first_offset, "last": state.end_offset},
        "startedAtMs": state.started_at_ms,
        "endedAtMs": state.ended_at_ms,
    }


def view_datum(state: SessionState) -> dict[str, Any]:
    engine = ENGINES[state.game]
    return {
        "sessionId": state.session_id,
        "engineVersion": state.engine_version,
        "seq": engine.tick_of(state.engine_state),
        "game": state.game,
        "mode": state.mode,
        "status": state.status,
        "playerId": state.player_id,
        "playerName": state.player_name,
        "createdAtMs": state.created_at_ms,
        "startedAtMs": state.started_at_ms,
        "tick": engine.tick_of(state.engine_state),
        "score": engine.score_of(state.engine_state),
        "spectatorsCurrent": len(state.seats),
        "spectatorsMax": state.spectators_max,
        "result": result_datum(state) if state.status == ENDED else None,
    }


def spectators_datum(state: SessionState) -> dict[str, Any]:
    return {
        "sessionId": state.session_id,
        "engineVersion": state.engine_version,
        "seq": ENGINES[state.game].tick_of(state.engine_state),
        "current": len(state.seats),
        "max": state.spectators_max,
    }
