"""Bounded waits on Kafka for the edge's requests: ``KafkaUnavailable`` past the bound.

Every write a request makes goes through ``within``: Kafka takes it within the edge's
``kafka_wait_s`` or the caller gets ``KafkaUnavailable`` (HTTP: 503
``KAFKA_UNAVAILABLE`` with ``Retry-After``; sockets: an error message). A write given
up on may still reach the log once the broker returns (the producer keeps it): the
answer means "not acknowledged", never "not recorded", and every command a client may
repeat is idempotent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aiokafka.errors import KafkaError

T = TypeVar("T")


class KafkaUnavailable(Exception):
    """Kafka did not take a write, or answer a read, within the bounded wait."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


async def within(awaitable: Awaitable[T], timeout_s: float, what: str) -> T:
    """``awaitable``'s result, or ``KafkaUnavailable`` after ``timeout_s`` or a Kafka error."""
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except (TimeoutError, KafkaError) as exc:
        reason = f"no answer within {timeout_s:g} s" if isinstance(exc, TimeoutError) else type(exc).__name__
        raise KafkaUnavailable(f"Kafka did not take {what} ({reason}); retry later", retry_after(timeout_s)) from None


def retry_after(timeout_s: float) -> int:
    """Retry-After in whole seconds: a retry sooner than the wait it just failed is no use."""
    return max(1, round(timeout_s))
