"""Whether the cluster answers, asked in the background so a readiness page answers at once.

``answers`` asks for metadata through a client the process already has, bounded by
``timeout_s``. ``Reachability`` keeps the last answer: it counts only while recent, so a
probe stuck on a silent broker (paused, or a connection that never answers) reads as
unreachable, not as the last good answer.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

# A metadata request answers in milliseconds from a live broker.
PROBE_TIMEOUT_S = 2.0


async def answers(client: AIOKafkaClient, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the cluster answers a metadata request within ``timeout_s``."""
    try:
        await asyncio.wait_for(client.fetch_all_metadata(), timeout_s)
    except (TimeoutError, KafkaError):
        return False
    return True


class Reachability:
    """The last probe's answer, valid for ``stale_s`` after it came."""

    def __init__(self, stale_s: float) -> None:
        self.stale_s = stale_s
        self._answered = False
        self._at = -float("inf")

    def record(self, answered: bool) -> None:
        self._answered = answered
        self._at = time.monotonic()

    @property
    def reachable(self) -> bool:
        return self._answered and time.monotonic() - self._at <= self.stale_s
