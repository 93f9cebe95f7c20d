"""Reads of the log take turns: past the configured number at once, a read waits its turn
for a bounded time, then is answered 503 REPLAY_BUSY (what the replay and frames routes say)."""

from __future__ import annotations

import pytest

from app.api.replays import RunFrames
from app.errors import ApiError
from app.tickindex import TickIndex


async def test_a_read_past_the_bound_waits_then_is_refused_busy() -> None:
    frames = RunFrames("unused:9092", 4, TickIndex(), reads=2, wait_s=0.05)
    async with frames.turn(), frames.turn():
        with pytest.raises(ApiError) as refused:
            async with frames.turn():
                pass
    assert (refused.value.status, refused.value.code, refused.value.headers) == (
        503,
        "REPLAY_BUSY",
        {"Retry-After": "1"},
    )
