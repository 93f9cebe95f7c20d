"""The tick index: sparse marks of running sessions only, released at the end, bounded however long a run."""

from __future__ import annotations

from app.tickindex import TickIndex
from tests.app.test_fanout import view


def test_a_page_seeks_to_the_last_mark_at_or_before_its_tick() -> None:
    index = TickIndex(stride=10)
    index.on_session_view("ses_a", view("live"))
    for tick in range(3, 40):
        index.note("ses_a", tick, 1000 + tick)
    assert [index.seek("ses_a", tick) for tick in (2, 3, 12, 13, 39)] == [None, 1003, 1003, 1013, 1033]
    index.note("ses_a", 20, 5)  # a tick published again later (another consumer group): already passed
    assert index.seek("ses_a", 25) == 1023


def test_only_running_sessions_are_noted_and_the_end_releases_them() -> None:
    index = TickIndex(stride=10)
    index.note("ses_a", 1, 1)  # no view yet: not a session the edge knows to be running
    assert (len(index), index.seek("ses_a", 1)) == (0, None)
    index.on_session_view("ses_a", view("live"))
    index.note("ses_a", 1, 1)
    index.on_session_view("ses_a", view("ended"))
    index.note("ses_a", 11, 2)  # a frame read after the end's view: not kept
    assert (len(index), index.seek("ses_a", 11)) == (0, None)


def test_a_long_run_keeps_every_other_mark_past_the_bound() -> None:
    index = TickIndex(stride=10, marks=8)
    index.on_session_view("ses_a", view("live"))
    for tick in range(1, 100_000):
        index.note("ses_a", tick, tick)
    marks = index._sessions["ses_a"]
    assert len(marks.ticks) <= 8 and marks.ticks[0] == 1 and marks.ticks == sorted(marks.ticks)
    assert 0 < 99_999 - index.seek("ses_a", 99_999) <= 2 * marks.stride  # type: ignore[operator]
