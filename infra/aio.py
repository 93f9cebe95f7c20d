"""Small asyncio helpers shared by the edge, the worker, the benchmarks and the tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task | None) -> None:
    """Cancel a background task and wait until it has really stopped."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def run_on_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a private loop, leaving the thread's current loop alone.

    ``asyncio.run`` would replace (and so orphan, unclosed) a loop that a caller such
    as a test runner has set as the thread's current one.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


async def stop_within(stopping: Awaitable[object], timeout_s: float, what: str) -> None:
    """Wait for a client's stop at most ``timeout_s``: a process asked to stop must end.

    A Kafka client stopping while the broker is away waits on it (a producer flushes,
    a consumer commits); past the bound it is abandoned, with a warning.
    """
    try:
        await asyncio.wait_for(stopping, timeout_s)
    except TimeoutError:
        log.warning("%s did not stop within %.0f s (Kafka unreachable?); going on without it", what, timeout_s)
