"""A bench's ladder measures the rungs asked for, then climbs while each step holds."""

from __future__ import annotations

from molt.bench.ladder import Ladder, ceiling, ceiling_words, ladder_option


def _climb(ladder: Ladder, holds_up_to: int) -> list[int]:
    measured: list[int] = []
    for load in ladder.steps(lambda: measured[-1] <= holds_up_to):
        measured.append(load)
    return measured


def test_the_ladder_climbs_past_its_rungs_until_a_step_fails() -> None:
    ladder = Ladder([100, 250], climb=500, top=10_000)
    assert _climb(ladder, holds_up_to=1250) == [100, 250, 750, 1250, 1750]
    assert ceiling({100: True, 250: True, 750: True, 1250: True, 1750: False}) == {
        "ceiling": 1250,
        "ceiling_found": True,
    }


def test_the_ladder_stops_at_its_top_and_without_a_climb() -> None:
    assert _climb(Ladder([100], climb=500, top=1100), holds_up_to=10**6) == [100, 600, 1100]
    assert _climb(Ladder([100, 200]), holds_up_to=10**6) == [100, 200]
    # Every step held: the largest is a floor, not a ceiling.
    assert ceiling({100: True, 200: True}) == {"ceiling": 200, "ceiling_found": False}
    assert ceiling({100: False}) == {"ceiling": None, "ceiling_found": True}


def test_counts_on_the_command_line_are_measured_as_given_unless_a_climb_is_asked() -> None:
    default = Ladder([100, 250], climb=500, top=10_000)
    assert ladder_option(None, None, default) == default
    assert ladder_option([5, 10], None, default) == Ladder([5, 10], 0, 10_000)
    assert ladder_option([5, 10], 5, default) == Ladder([5, 10], 5, 10_000)
    assert _climb(ladder_option(None, 0, default), holds_up_to=10**6) == [100, 250]


def test_a_table_says_whether_its_figure_is_a_ceiling() -> None:
    assert ceiling_words(ceiling({4: True, 8: False})) == "4 (the ceiling: a larger N failed)"
    assert ceiling_words(ceiling({4: True, 8: True})) == "8 (no larger N failed: not a ceiling)"
