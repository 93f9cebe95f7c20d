"""Drift-free tick pacing against a monotonic clock.

Tick k is due at ``origin + k * period`` on the monotonic clock, whatever happened
before, so errors never accumulate. A tick that comes due while the previous one is
overdue is sent at once, but the ones it overtook are skipped, never sent in a burst:
sessions slow down for a moment instead of jumping. Tick numbers count periods since the Unix epoch, so a new owner of a
partition continues above the numbers its predecessor used (clocks kept by NTP).
"""

from __future__ import annotations

from dataclasses import dataclass

NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Schedule:
    period_ns: int
    # The monotonic time of tick number 0, derived once from one reading of both clocks.
    origin_mono_ns: int

    @classmethod
    def start(cls, tick_rate: int, wall_ns: int, mono_ns: int) -> Schedule:
        period = NS // tick_rate
        return cls(period, mono_ns - wall_ns)

    def due_mono_ns(self, tick_no: int) -> int:
        return self.origin_mono_ns + tick_no * self.period_ns

    def scheduled_wall_us(self, tick_no: int) -> int:
        return tick_no * self.period_ns // 1000

    def next_tick(self, after_tick: int, mono_now_ns: int) -> int:
        """The tick to send after ``after_tick``: its successor, or the latest one due if later."""
        latest_due = (mono_now_ns - self.origin_mono_ns) // self.period_ns
        return max(after_tick + 1, latest_due)
