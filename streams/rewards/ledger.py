"""The rewards decision, as a pure fold over what is known of one run.

``apply(run, event)`` folds one of three facts into a ``Run``: its result arrived
(``ResultIn``), its owner triggered the snapshot (``TriggerIn``), or its outcome is known
to be in rewards.outcomes (``OutcomeSeen``, from our own send or from reading the topic).
``due(run)`` is the outcome to publish now, or None.

Invariants, whatever the order and however often each fact arrives:
- an outcome is due only for an ``api`` run that has both a result and a trigger, and
  never once its outcome was seen: the shell publishes it, then folds ``OutcomeSeen``;
- the first result and the first trigger win (a run's re-published results are equal);
- practice results are not kept, so a practice run is never due.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from streams.rewards.rules import RULES


@dataclass(frozen=True, slots=True)
class Run:
    session_id: str
    result: dict[str, Any] | None = None  # the RunResult datum, until the outcome is out
    trigger_id: str | None = None  # the first snapshot trigger's request id
    outcome_offset: int | None = None  # where the outcome lies in its partition of rewards.outcomes

    @property
    def paid(self) -> bool:
        return self.outcome_offset is not None


@dataclass(frozen=True, slots=True)
class ResultIn:
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class TriggerIn:
    request_id: str


@dataclass(frozen=True, slots=True)
class OutcomeSeen:
    offset: int


Fact = ResultIn | TriggerIn | OutcomeSeen


def apply(run: Run, fact: Fact) -> Run:
    match fact:
        case OutcomeSeen(offset):
            if run.paid:
                return run
            # The result was only kept to build the outcome.
            return dataclasses.replace(run, result=None, outcome_offset=offset)
        case _ if run.paid:
            return run
        case ResultIn(result):
            if run.result is not None or result["mode"] != "api" or result["game"] not in RULES:
                return run
            return dataclasses.replace(run, result=result)
        case TriggerIn(request_id):
            if run.trigger_id is not None:
                return run
            return dataclasses.replace(run, trigger_id=request_id)
    raise TypeError(f"not a rewards fact: {fact!r}")


def due(run: Run) -> dict[str, Any] | None:
    """The RunOutcome datum to publish now, or None."""
    result = run.result
    if run.paid or result is None or run.trigger_id is None:
        return None
    rule = RULES[result["game"]]
    return {
        "sessionId": run.session_id,
        "engineVersion": result["engineVersion"],
        "seq": result["seq"],
        "game": result["game"],
        "playerId": result["playerId"],
        "score": result["score"],
        "reward": rule.reward(result["score"]),
        "rule": rule.name,
        "finalStateHash": result["finalStateHash"],
        "playerName": result["playerName"],
        "endedAtMs": result["endedAtMs"],
        "triggerRequestId": run.trigger_id,
    }
