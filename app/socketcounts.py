"""How many WebSockets are open on this edge, in all and per client address, within bounds.

A socket holds one place from its accept to its end; past either bound it is refused
(``TOO_MANY_SOCKETS``, close 1013). A client whose last socket ended is forgotten, so
memory follows the open sockets, never the clients seen.
"""

from __future__ import annotations


class SocketCounts:
    def __init__(self, max_total: int, max_per_client: int) -> None:
        self._max_total = max_total
        self._max_per_client = max_per_client
        self._per_client: dict[str, int] = {}
        self.total = 0

    def __len__(self) -> int:
        """Clients with a socket open."""
        return len(self._per_client)

    def acquire(self, client: str) -> bool:
        """Take a place for one of ``client``'s sockets; False if a bound is reached."""
        held = self._per_client.get(client, 0)
        if self.total >= self._max_total or held >= self._max_per_client:
            return False
        self._per_client[client] = held + 1
        self.total += 1
        return True

    def release(self, client: str) -> None:
        held = self._per_client[client] - 1
        if held:
            self._per_client[client] = held
        else:
            del self._per_client[client]
        self.total -= 1
