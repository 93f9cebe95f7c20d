"""Each address's live seats across sessions, from the owners' grants and freed notices."""

from __future__ import annotations

from app.clientseats import ClientSeats
from schemas.views import SeatDecision


def decision(lease: str, session: str, client: str, *, granted: bool = True, freed: bool = False) -> SeatDecision:
    return SeatDecision("req", session, 1, 1, granted, None, lease, 1, 50, client, None, freed)


def test_grants_count_until_freed_and_a_session_s_own_seats_are_not_elsewhere() -> None:
    seats = ClientSeats()
    for lease, session in (("l1", "s1"), ("l2", "s2"), ("l3", "s2"), ("l2", "s2")):  # l2 granted twice
        seats.on_decision(decision(lease, session, "198.51.100.7"))
    seats.on_decision(decision("l9", "s3", "203.0.113.1"))
    assert seats.elsewhere("198.51.100.7", "s1") == 2
    assert seats.elsewhere("198.51.100.7", "s9") == 3
    seats.on_decision(decision("l2", "s2", "198.51.100.7", granted=False, freed=True))
    seats.on_decision(decision("l3", "s2", "198.51.100.7", granted=False, freed=True))
    assert seats.elsewhere("198.51.100.7", "s9") == 1


def test_refusals_and_seats_of_no_address_count_for_nothing_and_memory_follows_live_seats() -> None:
    seats = ClientSeats()
    seats.on_decision(decision("l1", "s1", "198.51.100.7", granted=False))
    seats.on_decision(decision("l2", "s1", ""))
    assert seats.elsewhere("198.51.100.7", "s9") == 0
    seats.on_decision(decision("l3", "s1", "198.51.100.7"))
    seats.on_decision(decision("l3", "s1", "198.51.100.7", granted=False, freed=True))
    assert seats._seats == {}
