"""Small asyncio helpers shared by the edge, the benchmarks and the tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


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
