"""Tick pacing: drift-free, numbered from the epoch, never bursting after a delay."""

from __future__ import annotations

from streams.sessions.pacing import NS, Schedule

PERIOD = NS // 30


def test_ticks_are_due_on_a_fixed_grid() -> None:
    schedule = Schedule.start(30, wall_ns=1_000 * NS, mono_ns=5 * NS)
    first = schedule.next_tick(0, 5 * NS)
    assert schedule.due_mono_ns(first + 1000) - schedule.due_mono_ns(first) == 1000 * PERIOD
    assert abs(schedule.scheduled_wall_us(first) - 1_000 * 1_000_000) <= PERIOD // 1000


def test_on_time_ticks_follow_one_another() -> None:
    schedule = Schedule.start(30, wall_ns=1_000 * NS, mono_ns=5 * NS)
    tick = schedule.next_tick(0, 5 * NS)
    assert schedule.next_tick(tick, schedule.due_mono_ns(tick) + 1000) == tick + 1


def test_a_late_tick_skips_the_overtaken_ones_instead_of_bursting() -> None:
    schedule = Schedule.start(30, wall_ns=1_000 * NS, mono_ns=5 * NS)
    tick = schedule.next_tick(0, 5 * NS)
    late_by_five = schedule.due_mono_ns(tick) + 5 * PERIOD + 10
    following = schedule.next_tick(tick, late_by_five)
    assert following == tick + 5  # the latest one due, sent at once; 1..4 are skipped
    assert schedule.next_tick(following, late_by_five) == tick + 6  # then back on the grid


def test_tick_numbers_continue_across_owners() -> None:
    old = Schedule.start(30, wall_ns=1_000 * NS, mono_ns=5 * NS)
    new = Schedule.start(30, wall_ns=1_003 * NS, mono_ns=77 * NS)  # another process, 3 s later
    assert new.next_tick(0, 77 * NS) > old.next_tick(0, 5 * NS) + 80
