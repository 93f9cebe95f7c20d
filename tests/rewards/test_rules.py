"""The per-game reward rules (README: Rewards)."""

from __future__ import annotations

from streams.rewards.rules import RULES
from streams.sim.registry import ENGINES


def test_every_game_has_a_rule_with_a_distinct_name() -> None:
    assert set(RULES) == set(ENGINES)
    assert len({rule.name for rule in RULES.values()}) == len(RULES)
    assert all(rule.name.startswith(game + "/") for game, rule in RULES.items())


def test_flappy_bots_pays_ten_points_per_pipe() -> None:
    assert [RULES["flappy-bots"].reward(pipes) for pipes in (0, 1, 7)] == [0, 10, 70]


def test_shellrunners_pays_a_point_per_ten_score_rounded_down() -> None:
    assert [RULES["shellrunners"].reward(score) for score in (0, 9, 10, 127)] == [0, 0, 1, 12]
