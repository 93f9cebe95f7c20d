"""The seats and player connections this edge holds sockets for.

One seat, one live socket: registering a second socket for the same seat (a spectator
lease, or a session's player) replaces the first, which is told and closed. The
leases listed here are renewed on the log by ``renew_forever`` while their sockets
live, so a seat outlives no socket by more than one lease lifetime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class SocketRegistry:
    def __init__(self) -> None:
        self._holders: dict[str, Callable[[], None]] = {}
        self.leases: dict[str, tuple[str, int]] = {}  # lease -> (session, engine version)

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
