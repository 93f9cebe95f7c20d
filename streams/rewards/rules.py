"""The reward rules: what an ``api`` run earns, per game, from its published score.

A rule is data. Its ``name`` goes into every outcome's ``rule`` field, so changing what
a game pays means a new name, and an analyst can always tell which rule paid a run.
Rewards are whole points, computed with integer arithmetic from the score alone (the
score is already deterministic and checked by replay). Practice runs earn nothing:
no rule applies to them and no outcome is ever published for one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RewardRule:
    name: str
    points: int  # per ``per`` score units
    per: int

    def reward(self, score: int) -> int:
        return max(score, 0) * self.points // self.per


RULES: dict[str, RewardRule] = {
    # Score = pipes passed.
    "flappy-bots": RewardRule("flappy-bots/v1: 10 points per pipe passed", points=10, per=1),
    # Score = metres run + 10 per shell: a point per 10 score, so one per shell, one per 10 m.
    "shellrunners": RewardRule("shellrunners/v1: 1 point per 10 score, rounded down", points=1, per=10),
}
