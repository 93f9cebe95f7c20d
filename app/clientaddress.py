"""The client address a request or socket counts as, for per-client bounds and rate limits.

It is the peer's address unless the peer is a trusted proxy (``MOLT_EDGE_TRUSTED_PROXIES``):
then ``X-Forwarded-For`` is read from its right end, past every trusted hop, and the first
hop that is not trusted is the client. Hops further left are whatever the client wrote,
so they are never believed. An IPv6 client counts as its /64 (the block one subscriber
usually gets, so rotating addresses inside it gains nothing); an IPv4-mapped IPv6 address
as its IPv4 address. A peer that is no address at all (a test transport) is ``unknown``.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from starlette.requests import HTTPConnection

IPV6_BLOCK = 64
UNKNOWN = "unknown"


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ClientAddresses:
    def __init__(self, trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()) -> None:
        self._trusted = trusted_proxies

    def _is_trusted(self, address: IPv4Address | IPv6Address) -> bool:
        return any(address in network for network in self._trusted)

    def client_of(self, peer: str | None, forwarded_for: list[str]) -> str:
        """The key of the client behind ``peer``, given the X-Forwarded-For headers it sent."""
        client = _address(peer) if peer else None
        if client is None:
            return UNKNOWN
        hops = [hop for header in forwarded_for for hop in header.split(",")]
        for hop in reversed(hops):
            if not self._is_trusted(client):
                break
            claimed = _address(hop)
            if claimed is None:  # a hop that is no address: the proxy that wrote it is the client
                break
            client = claimed
        if isinstance(client, IPv6Address):
            return str(IPv6Network((client, IPV6_BLOCK), strict=False))
        return str(client)

    def of(self, connection: HTTPConnection) -> str:
        """The client key of a request or a WebSocket."""
        peer = connection.client.host if connection.client else None
        return self.client_of(peer, connection.headers.getlist("x-forwarded-for"))
