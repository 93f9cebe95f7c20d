"""Quotas on what writes to the log: one token bucket per kind, keyed by who spends it.

Registrations, sign-ins and public spectate tokens are counted per client address
(``app.clientaddress``: trusted proxies honoured), snapshot triggers per run, over
HTTP and the play socket alike. A refused request writes nothing and is answered
429 ``RATE_LIMITED`` with ``Retry-After``. Limits come from ``EdgeSettings``; memory
stays bounded as ``app.ratelimit`` bounds it.
"""

from __future__ import annotations

import time

from starlette.requests import HTTPConnection

from app.clientaddress import ClientAddresses
from app.errors import too_many
from app.ratelimit import Decision, RateLimiter
from infra.settings import EdgeSettings


class Quotas:
    def __init__(self, edge: EdgeSettings, addresses: ClientAddresses) -> None:
        self.addresses = addresses
        self.registrations = RateLimiter(edge.agent_register_burst, edge.agent_register_per_s)
        self.sign_ins = RateLimiter(edge.sign_in_burst, edge.sign_in_per_s)
        self.public_tokens = RateLimiter(edge.public_token_burst, edge.public_token_per_s)
        self.snapshots = RateLimiter(edge.snapshot_burst, edge.snapshot_per_s)

    def snapshot(self, session_id: str) -> Decision:
        """Spend one of the run's snapshot triggers (a socket answers with its own error)."""
        return self.snapshots.allow(session_id, time.monotonic())

    def spend(self, limiter: RateLimiter, key: str, what: str) -> None:
        """Spend one of ``key``'s requests of ``limiter``, else raise the 429 naming ``what``."""
        decision = limiter.allow(key, time.monotonic())
        if not decision.allowed:
            raise too_many("RATE_LIMITED", f"too many {what}; retry later", decision.retry_after_s)

    def spend_by_client(self, limiter: RateLimiter, connection: HTTPConnection, what: str) -> None:
        self.spend(limiter, self.addresses.of(connection), what)
