"""The state of one session as the runtime folds it, and the policy it runs under.

``SessionState`` is mutable on purpose: one fold owns it (the partition's runtime, or
an offline replay), and the tick path touches every live session 30 times a second,
where a copy per step would be the largest cost. Every field is derived from the
command log alone; nothing here reads a clock.

Invariant: ``applied_offset`` is the offset of the last record of session.commands
applied to this session. A record at or below it is never applied again, which makes
redelivery after a crash or a rebalance harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WAITING, LIVE, ENDED = "waiting", "live", "ended"

# End reasons the runtime adds to the engines' own ("collision", "max_duration").
ABANDONED = "abandoned"  # the player left and did not come back within the grace period
EXPIRED = "expired"  # nobody connected to a waiting session in time
QUIT = "quit"  # SessionAbandoned: the run was given up on purpose


@dataclass(frozen=True, slots=True)
class Policy:
    """Timings of a session, fixed at SessionOpened so a replay decides the same."""

    grace_ms: int = 10_000
    waiting_expiry_ms: int = 60_000
    seat_claim_ms: int = 60_000
    seat_lease_ms: int = 30_000
    # Seats one client address may hold here, and across sessions; 0: no bound.
    seats_per_client: int = 0
    seats_per_client_total: int = 0


@dataclass(slots=True)
class Seat:
    lease_id: str
    viewer_id: str
    flow: str
    granted_at_ms: int
    occupied: bool = False
    renewed_at_ms: int = 0
    client_key: str = ""  # the client address the seat counts for; empty: none
    connection_id: str | None = None  # the socket occupying it, as the owner decided

    def expires_at_ms(self, policy: Policy) -> int:
        if self.occupied:
            return self.renewed_at_ms + policy.seat_lease_ms
        return self.granted_at_ms + policy.seat_claim_ms


@dataclass(slots=True)
class SessionState:
    session_id: str
    partition: int
    game: str
    mode: str
    seed: int
    player_id: str
    player_name: str
    spectators_max: int
    engine_version: int
    policy: Policy
    created_at_ms: int
    first_offset: int
    engine_state: Any
    applied_offset: int
    status: str = WAITING
    started_at_ms: int | None = None
    ended_at_ms: int | None = None
    end_offset: int | None = None
    pending: list[str] = field(default_factory=list)
    last_input_seq: int = 0  # the last input applied by a tick (frames report it)
    last_received_seq: int = 0  # the last input accepted, applied at the next tick
    connection_id: str | None = None
    disconnected_at_ms: int | None = None
    last_tick_no: int = 0
    producers: dict[str, int] = field(default_factory=dict)
    seats: dict[str, Seat] = field(default_factory=dict)
    snapshot_requested: bool = False
    # No seat expires before this (ms of the log's time), so a tick before it need not
    # look at each seat: renewals only move expiries later, and a grant or an occupation
    # that moves one earlier lowers it. Derived, not persisted: 0 makes the next tick
    # look at every seat and set it again.
    seats_expire_from_ms: int = field(default=0, compare=False)
    # Which lease each viewer holds (a viewer holds one seat at most), so a request does
    # not look at every seat of a session watched by thousands. Derived from ``seats``
    # when the state is made, then kept in step by the seat methods below.
    lease_of_viewer: dict[str, str] = field(default_factory=dict, compare=False)
    # How many seats each client address holds, kept the same way (keys with seats only).
    seats_of_client: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.lease_of_viewer = {seat.viewer_id: lease_id for lease_id, seat in self.seats.items()}
        self.seats_of_client = {}
        for seat in self.seats.values():
            self._count_client(seat.client_key, 1)

    @property
    def active(self) -> bool:
        return self.status != ENDED

    def seat_of(self, viewer_id: str) -> Seat | None:
        lease_id = self.lease_of_viewer.get(viewer_id)
        return None if lease_id is None else self.seats[lease_id]

    def add_seat(self, seat: Seat) -> None:
        self.seats[seat.lease_id] = seat
        self.lease_of_viewer[seat.viewer_id] = seat.lease_id
        self._count_client(seat.client_key, 1)

    def remove_seat(self, lease_id: str) -> Seat | None:
        seat = self.seats.pop(lease_id, None)
        if seat is not None:
            del self.lease_of_viewer[seat.viewer_id]
            self._count_client(seat.client_key, -1)
        return seat

    def clear_seats(self) -> list[Seat]:
        """Free every seat; returns them."""
        freed = list(self.seats.values())
        self.seats.clear()
        self.lease_of_viewer.clear()
        self.seats_of_client.clear()
        return freed

    def _count_client(self, client_key: str, change: int) -> None:
        if not client_key:
            return
        held = self.seats_of_client.get(client_key, 0) + change
        if held:
            self.seats_of_client[client_key] = held
        else:
            del self.seats_of_client[client_key]
