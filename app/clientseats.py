"""The live seats of each client address across sessions, as this edge reads them from the log.

Every owner announces on session.seat-replies each seat it grants (with the client
address it counts for) and each seat that goes away (``freed``). Every edge follows
that topic, so each edge counts the same seats, whichever edge or worker dealt with
them. The count is what has reached this edge: requests still in flight elsewhere and
seats granted before this edge started are not in it, so the bound across sessions
holds to within those; the bound in one session is exact (the owner's fold decides it).

Memory follows the live seats: an address leaves the table with its last seat.
"""

from __future__ import annotations

from schemas.views import SeatDecision


class ClientSeats:
    def __init__(self) -> None:
        self._seats: dict[str, dict[str, str]] = {}  # client key -> {lease: session}

    def __len__(self) -> int:
        """Client addresses holding a seat."""
        return len(self._seats)

    def on_decision(self, decision: SeatDecision) -> None:
        key, lease = decision.clientKey, decision.leaseId
        if not key or lease is None:
            return
        if decision.freed:
            seats = self._seats.get(key)
            if seats is not None:
                seats.pop(lease, None)
                if not seats:
                    del self._seats[key]
        elif decision.granted:
            self._seats.setdefault(key, {})[lease] = decision.sessionId

    def elsewhere(self, client_key: str, session_id: str) -> int:
        """How many seats ``client_key`` holds in sessions other than ``session_id``."""
        seats = self._seats.get(client_key, {})
        return sum(1 for session in seats.values() if session != session_id)
