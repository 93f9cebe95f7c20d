"""Spectator seats of one session: how the seat records change it, and the owner's answers.

Part of the session fold (``streams.sessions.fold`` hands the seat records here): pure,
time is the record's ``atMs``, so a replay decides the same. Answers are SeatDecision
datums appended to ``Effects.decisions`` for session.seat-replies.

Invariants, from the log alone:
- at most ``spectatorsMax`` seats; a viewer holds one seat at most; a new seat goes to a
  client address only while it holds fewer than ``policy.seats_per_client`` here and,
  with the seats its edge counts elsewhere, ``seats_per_client_total`` (0: no bound);
- a seat no socket occupies lapses ``seat_claim_ms`` after its first grant (asking again
  never extends it); an occupied one ``seat_lease_ms`` after its last renewal;
- a seat has one socket: a newer occupancy takes it and its answer names the older
  socket (``replacedConnectionId``) for that socket's edge to close; a release by a socket
  that no longer holds the seat changes nothing;
- a seat counted for a client address is announced when it goes (``freed``), so edges can
  count an address's live seats across sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemas.records import SeatOccupied, SeatReleased, SeatRenewed, SeatRequested, SessionCommand
from streams.sessions.model import ENDED, Seat, SessionState

if TYPE_CHECKING:
    from streams.sessions.fold import Effects

# Refusal codes of a SeatDecision (the edge maps them to HTTP answers and socket closes).
SPECTATORS_FULL = "SPECTATORS_FULL"
SEATS_PER_CLIENT = "SEATS_PER_CLIENT"
SESSION_ENDED = "SESSION_ENDED"
NOT_SPECTATABLE = "NOT_SPECTATABLE"
SESSION_NOT_FOUND = "SESSION_NOT_FOUND"


def request(state: SessionState, command: SessionCommand, body: SeatRequested, effects: Effects) -> None:
    """A token was asked for: the viewer's seat, a new one, or a refusal."""
    code = _closed(state)
    seat = None
    if code is None:
        # Asking again keeps the seat and its claim window: a re-request never holds it longer.
        seat = state.seat_of(body.viewerId)
        if seat is None:
            seat, code = _admit(state, body, command.atMs, effects)
    effects.decisions.append(_answer(state, command, body.requestId, code, seat))


def occupy(state: SessionState, command: SessionCommand, body: SeatOccupied, effects: Effects) -> None:
    """A socket authenticated with a seat's token: it takes the seat, is re-seated, or is refused."""
    seat = state.seats.get(body.leaseId)
    if not body.requestId:  # an older edge's claim: no answer and no re-seating, as then
        if seat is not None:
            _take(state, seat, body.connectionId, command.atMs)
        return
    code = _closed(state)
    replaced = None
    if code is None:
        # The token's seat was released or lapsed: the viewer's seat if it got another
        # one since, else a fresh decision under the same rules as a request.
        seat = seat or state.seat_of(body.viewerId)
        if seat is None:
            seat, code = _admit(state, body, command.atMs, effects)
        if seat is not None:
            replaced = _take(state, seat, body.connectionId, command.atMs)
    effects.decisions.append(_answer(state, command, body.requestId, code, seat, replaced))


def renew(state: SessionState, command: SessionCommand, body: SeatRenewed) -> None:
    seat = state.seats.get(body.leaseId)
    if seat is not None:
        seat.renewed_at_ms = command.atMs


def release(state: SessionState, command: SessionCommand, body: SeatReleased, effects: Effects) -> None:
    seat = state.seats.get(body.leaseId)
    if seat is None or (body.connectionId and body.connectionId != seat.connection_id):
        return  # gone already, or a replaced socket closing: the seat is another's now
    state.remove_seat(seat.lease_id)
    _freed(state, command, seat, effects)


def expire(state: SessionState, command: SessionCommand, effects: Effects) -> None:
    """Free every seat whose claim window or lease ran out before the record's time.

    Looks at each seat, so the fold calls it only once that time passed the earliest
    expiry: a session watched by thousands is not scanned thirty times a second.
    """
    now, policy = command.atMs, state.policy
    expired = [seat for seat in state.seats.values() if seat.expires_at_ms(policy) < now]
    for seat in expired:
        state.remove_seat(seat.lease_id)
        _freed(state, command, seat, effects)
    state.seats_expire_from_ms = min((seat.expires_at_ms(policy) for seat in state.seats.values()), default=0)


def free_all(state: SessionState, command: SessionCommand, effects: Effects) -> None:
    """The broadcast is over: every seat comes back."""
    for seat in state.clear_seats():
        _freed(state, command, seat, effects)


def refusal(command: SessionCommand, request_id: str, code: str) -> dict[str, Any]:
    """The answer to a request for a session this partition does not hold."""
    return _decision(command, command.sessionId, command.engineVersion, request_id, code, None, 0, 0)


def _closed(state: SessionState) -> str | None:
    if state.mode != "api":
        return NOT_SPECTATABLE
    if state.status == ENDED:
        return SESSION_ENDED
    return None


def _admit(
    state: SessionState, asked: SeatRequested | SeatOccupied, now: int, effects: Effects
) -> tuple[Seat | None, str | None]:
    """A new seat for the viewer ``asked`` names, or why not (a full session says so first)."""
    if len(state.seats) >= state.spectators_max:
        return None, SPECTATORS_FULL
    if asked.clientKey:
        policy, held = state.policy, state.seats_of_client.get(asked.clientKey, 0)
        if (policy.seats_per_client and held >= policy.seats_per_client) or (
            policy.seats_per_client_total and held + asked.seatsElsewhere >= policy.seats_per_client_total
        ):
            return None, SEATS_PER_CLIENT
    seat = Seat("lse_" + asked.requestId, asked.viewerId, asked.flow, granted_at_ms=now, client_key=asked.clientKey)
    state.add_seat(seat)
    _may_expire_at(state, seat)
    effects.changed.add(state.session_id)
    return seat, None


def _take(state: SessionState, seat: Seat, connection_id: str, now: int) -> str | None:
    """Seat ``connection_id``; returns the socket it replaced, if any."""
    previous = seat.connection_id
    seat.occupied = True
    seat.renewed_at_ms = now
    seat.connection_id = connection_id
    _may_expire_at(state, seat)  # a lease can run out before the claim window
    return previous if previous not in (None, connection_id) else None


def _freed(state: SessionState, command: SessionCommand, seat: Seat, effects: Effects) -> None:
    effects.changed.add(state.session_id)
    if seat.client_key:
        notice = _decision(command, state.session_id, state.engine_version, "", None, seat, 0, state.spectators_max)
        notice.update(granted=False, freed=True)
        effects.decisions.append(notice)


def _may_expire_at(state: SessionState, seat: Seat) -> None:
    state.seats_expire_from_ms = min(state.seats_expire_from_ms, seat.expires_at_ms(state.policy))


def _answer(
    state: SessionState,
    command: SessionCommand,
    request_id: str,
    code: str | None,
    seat: Seat | None,
    replaced: str | None = None,
) -> dict[str, Any]:
    current, maximum = len(state.seats), state.spectators_max
    answer = _decision(command, state.session_id, state.engine_version, request_id, code, seat, current, maximum)
    answer["replacedConnectionId"] = replaced
    return answer


def _decision(
    command: SessionCommand,
    session_id: str,
    engine_version: int,
    request_id: str,
    code: str | None,
    seat: Seat | None,
    current: int,
    maximum: int,
) -> dict[str, Any]:
    """A SeatDecision datum: granted exactly when it names a seat and no refusal."""
    return {
        "requestId": request_id,
        "sessionId": session_id,
        "engineVersion": engine_version,
        "seq": command.seq,
        "granted": code is None and seat is not None,
        "code": code,
        "leaseId": None if seat is None else seat.lease_id,
        "spectatorsCurrent": current,
        "spectatorsMax": maximum,
        "clientKey": "" if seat is None else seat.client_key,
        "replacedConnectionId": None,
        "freed": False,
    }
