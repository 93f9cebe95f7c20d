"""``molt bench edge``'s options build its fan-out ladder: the default one climbs past its
counts, counts given (or ``--quick``'s) are measured as given unless ``--climb`` is too."""

from __future__ import annotations

import argparse

import pytest

from molt.bench.harness import EXIT_USAGE
from molt.bench.ladder import Ladder
from molt.commands import bench_edge


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench_edge.add_arguments(parser)
    return parser.parse_args(argv)


def _ladder(*argv: str) -> Ladder:
    return bench_edge.spectator_ladder(_args(*argv))


def _measured(ladder: Ladder) -> list[int]:
    """The steps of ``ladder`` when every one of them holds."""
    return list(ladder.steps(lambda: True))


def test_the_default_ladder_climbs_to_its_top_while_steps_hold() -> None:
    ladder = _ladder()
    assert ladder.rungs == [250, 500, 1000, 2000]
    assert _measured(ladder) == [250, 500, 1000, 2000, *range(3000, bench_edge.TOP + 1, bench_edge.CLIMB)]
    # The watched sessions are opened with seats for the highest step.
    assert ladder.highest == bench_edge.TOP
    assert _measured(_ladder("--climb", "0")) == [250, 500, 1000, 2000]


def test_counts_given_are_measured_as_given_unless_a_climb_is_asked() -> None:
    assert _measured(_ladder("--spectators", "5,10")) == [5, 10]
    assert _ladder("--spectators", "5,10").highest == 10
    assert _measured(_ladder("--spectators", "5,10", "--climb", "5"))[:4] == [5, 10, 15, 20]


def test_quick_does_not_climb_unless_asked() -> None:
    assert _measured(_ladder("--quick")) == [4, 8]
    assert _ladder("--quick").highest == 8
    assert _measured(_ladder("--quick", "--climb", "4"))[:4] == [4, 8, 12, 16]


def test_a_negative_climb_is_refused_before_anything_starts(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_edge.run(_args("--quick", "--climb", "-1")) == EXIT_USAGE
    assert "--climb not negative" in capsys.readouterr().out
