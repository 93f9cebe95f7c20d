"""Ticks at a fixed rate for the stand-ins benchmarks run: ``ticks(rate)`` yields 1, 2, ….

Tick ``k`` is yielded once it is due, ``k`` periods after the start on the monotonic
clock, so the rate does not drift; a tick more than a period overdue is skipped rather
than yielded in a burst, as the worker paces its own ticks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator


async def ticks(rate: int) -> AsyncIterator[int]:
    period = 1 / rate
    start = time.monotonic()
    tick = 0
    while True:
        tick += 1
        late = time.monotonic() - (start + tick * period)
        if late > period:
            tick += int(late / period)
        await asyncio.sleep(max(0.0, start + tick * period - time.monotonic()))
        yield tick
