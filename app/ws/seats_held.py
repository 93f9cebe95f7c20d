"""The seats and player connections this edge holds sockets for.

One seat, one live socket. A session's player: registering a second socket replaces
the first, which is told and closed. A spectator seat: the session's owner decides
which socket occupies it, across all edges; when its decision names a socket it
replaced (``on_decision``), the edge holding that socket tells and closes it. The
leases listed here are renewed on the log by ``renew_forever`` while their sockets
live, so a seat outlives no socket by more than one lease lifetime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from schemas.views import SeatDecision

log = logging.getLogger(__name__)


class SocketRegistry:
    def __init__(self) -> None:
        self._holders: dict[str, Callable[[], None]] = {}
        self.leases: dict[str, tuple[str, int]] = {}  # lease -> (session, engine version)
        self._lease_holders: dict[str, str] = {}  # lease -> the spectator socket here renewing it
        self._spectators: dict[str, Callable[[], None]] = {}  # connection -> tell it it was replaced

    def watch(self, connection_id: str, on_replaced: Callable[[], None]) -> None:
        """Follow a spectator socket from before it asks to occupy its seat, so a newer
        socket seated right after it still finds it."""
        self._spectators[connection_id] = on_replaced

    def seat(self, connection_id: str, lease_id: str, session_id: str, engine_version: int) -> None:
        """The owner seated ``connection_id`` on ``lease_id``: renew it while the socket lives."""
        self.leases[lease_id] = (session_id, engine_version)
        self._lease_holders[lease_id] = connection_id

    def leave(self, connection_id: str, lease_id: str | None) -> bool:
        """The spectator socket is gone: stop renewing its lease; true if no newer socket here holds it."""
        self._spectators.pop(connection_id, None)
        if lease_id is None or self._lease_holders.get(lease_id) != connection_id:
            return False
        del self._lease_holders[lease_id]
        del self.leases[lease_id]
        return True

    def on_decision(self, decision: SeatDecision) -> None:
        replaced = decision.replacedConnectionId
        if replaced is not None and (tell := self._spectators.pop(replaced, None)) is not None:
            tell()

    def held(self) -> dict[str, int]:
        """How many entries each structure holds: each follows a live socket."""
        return {
            "sockets.players": len(self._holders),
            "sockets.leases": len(self.leases),
            "sockets.lease_holders": len(self._lease_holders),
            "sockets.spectators": len(self._spectators),
        }

    def claim(self, seat_key: str, on_replaced: Callable[[], None]) -> Callable[[], bool]:
        """Hold ``seat_key`` for a socket; returns ``release``, true if it still held it."""
        previous = self._holders.get(seat_key)
        if previous is not None:
            previous()
        self._holders[seat_key] = on_replaced

        def release() -> bool:
            if self._holders.get(seat_key) is on_replaced:
                del self._holders[seat_key]
                return True
            return False

        return release

    async def renew_forever(self, interval_s: float, renew: Callable[[str, str, int], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval_s)  # the renewal period itself: a timer, not a wait
            leases = list(self.leases.items())
            # All at once: the producer batches them. One after another, each waiting for
            # its acknowledgement, many seats take longer than a lease lives.
            outcomes = await asyncio.gather(
                *(renew(lease_id, session_id, version) for lease_id, (session_id, version) in leases),
                return_exceptions=True,
            )
            for (lease_id, _), outcome in zip(leases, outcomes, strict=True):
                if isinstance(outcome, Exception):  # retried next period
                    log.error("renewing seat %s failed", lease_id, exc_info=outcome)
