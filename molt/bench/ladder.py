"""A benchmark's ladder of loads: the rungs asked for, then on up until a step fails.

Every listed rung is measured, as asked. Past the last one, while the step just
measured held, the ladder climbs by ``climb`` (0: it stops at the last listed rung),
never past ``top``, so a run reports its ceiling (the largest load held, below one
that was not) rather than only that the last listed load held. ``ceiling`` reads that
from the steps measured, ``ceiling_words`` says it in a table; ``ladder_option`` builds
the ladder a command line asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Ladder:
    rungs: list[int]
    climb: int = 0
    top: int = 0

    @property
    def highest(self) -> int:
        """The largest load the ladder may reach."""
        return max(self.rungs[-1], self.top) if self.climb > 0 else self.rungs[-1]

    def steps(self, last_held: Callable[[], bool]) -> Iterator[int]:
        """The loads to measure; ``last_held()`` tells whether the step just measured held."""
        yield from self.rungs
        load = self.rungs[-1]
        while self.climb > 0 and load + self.climb <= self.top and last_held():
            load += self.climb
            yield load


def ceiling(held: dict[int, bool]) -> dict:
    """``{"ceiling", "ceiling_found"}`` of the steps measured (load → held).

    The ceiling is the largest load held (None when none did); it was found when a
    larger load was measured and failed, so the figure is a ceiling and not a floor.
    """
    top = max((load for load, ok in held.items() if ok), default=None)
    found = any(not ok and (top is None or load > top) for load, ok in held.items())
    return {"ceiling": top, "ceiling_found": found}


def ceiling_words(figures: dict) -> str:
    """A table's words for the ``ceiling`` of ``figures``: the load, and whether it is one."""
    found = "the ceiling: a larger N failed" if figures["ceiling_found"] else "no larger N failed: not a ceiling"
    return f"{figures['ceiling'] or 'none'} ({found})"


def ladder_option(asked: list[int] | None, climb: int | None, default: Ladder) -> Ladder:
    """The ladder the options ask for: the default one climbs past its rungs; counts
    given on the command line are measured as given unless ``--climb`` is given too."""
    if asked is None:
        return default if climb is None else Ladder(default.rungs, climb, default.top)
    return Ladder(asked, climb or 0, default.top)
