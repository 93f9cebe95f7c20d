"""The rewards decision fold: one outcome per api run, none for practice, any order.

The shell's protocol is modelled here as the pipeline runs it: fold a fact, publish
the outcome if one is due and fold ``OutcomeSeen`` for it. A crash loses table writes
back to any earlier state and redelivers facts from any earlier point; the new owner
first folds ``OutcomeSeen`` for every outcome it reads in rewards.outcomes.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.rewards.ledger import Fact, OutcomeSeen, ResultIn, Run, TriggerIn, apply, due
from streams.rewards.rules import RULES


def result(mode: str = "api", game: str = "shellrunners", score: int = 127) -> dict:
    return {
        "sessionId": "s1",
        "engineVersion": 2,
        "seq": 900,
        "game": game,
        "mode": mode,
        "playerId": "agt_1",
        "playerName": "bot",
        "seed": 5,
        "ticks": 900,
        "score": score,
        "endReason": "collision",
        "finalStateHash": "ab12",
        "commandOffsets": {"partition": 0, "first": 3, "last": 950},
        "startedAtMs": 1_000,
        "endedAtMs": 31_000,
    }


def deliver(run: Run, facts: list[Fact], outcomes: list[dict]) -> Run:
    """The pipeline's step, fact by fact; published outcomes are appended to ``outcomes``."""
    for fact in facts:
        run = apply(run, fact)
        outcome = due(run)
        if outcome is not None:
            outcomes.append(outcome)
            run = apply(run, OutcomeSeen(len(outcomes) - 1))
    return run


def facts_of(mode: str) -> st.SearchStrategy[list[Fact]]:
    """At least one result and one trigger, each repeated, in any order."""
    one_result = ResultIn(result(mode))
    triggers = st.lists(st.sampled_from(["http_a", "ws_b", "http_c"]), min_size=1, max_size=4)
    return st.tuples(st.integers(1, 3), triggers).flatmap(
        lambda counts: st.permutations([one_result] * counts[0] + [TriggerIn(t) for t in counts[1]])
    )


def test_a_result_then_a_trigger_pays_the_run_by_its_game_rule() -> None:
    outcomes: list[dict] = []
    run = deliver(Run("s1"), [ResultIn(result()), TriggerIn("http_a")], outcomes)
    assert outcomes == [
        {
            "sessionId": "s1",
            "engineVersion": 2,
            "seq": 900,
            "game": "shellrunners",
            "playerId": "agt_1",
            "score": 127,
            "reward": 12,
            "rule": RULES["shellrunners"].name,
            "finalStateHash": "ab12",
            "playerName": "bot",
            "endedAtMs": 31_000,
            "triggerRequestId": "http_a",
        }
    ]
    assert run.paid and run.result is None  # the result is not kept once paid


def test_either_fact_alone_pays_nothing() -> None:
    assert due(apply(Run("s1"), ResultIn(result()))) is None
    assert due(apply(Run("s1"), TriggerIn("ws_b"))) is None


def test_a_result_of_a_game_without_a_rule_pays_nothing() -> None:
    run = apply(apply(Run("s1"), ResultIn(result(game="pong"))), TriggerIn("t"))
    assert due(run) is None


@given(facts_of("api"))
def test_an_api_run_is_paid_exactly_once_in_any_order(facts: list[Fact]) -> None:
    outcomes: list[dict] = []
    deliver(Run("s1"), facts, outcomes)
    first_trigger = next(f.request_id for f in facts if isinstance(f, TriggerIn))
    assert [o["triggerRequestId"] for o in outcomes] == [first_trigger]


@given(facts_of("practice"))
def test_a_practice_run_is_never_paid(facts: list[Fact]) -> None:
    outcomes: list[dict] = []
    run = deliver(Run("s1"), facts, outcomes)
    assert outcomes == [] and run.result is None


@given(facts_of("api"), st.data())
def test_a_crash_anywhere_still_pays_once(facts: list[Fact], data: st.DataObject) -> None:
    outcomes: list[dict] = []
    states = [Run("s1")]
    for fact in facts:
        states.append(deliver(states[-1], [fact], outcomes))
    # The crash: the table keeps the writes up to some state; facts since then (or
    # since an even earlier commit) come again; outcomes already sent stay sent.
    kept = data.draw(st.integers(0, len(facts)), label="table state kept")
    redelivered_from = data.draw(st.integers(0, kept), label="redelivered from")
    recovered = states[kept]
    for offset, _ in enumerate(outcomes):  # the new owner reads rewards.outcomes first
        recovered = apply(recovered, OutcomeSeen(offset))
    deliver(recovered, facts[redelivered_from:], outcomes)
    assert len(outcomes) == 1


def test_an_outcome_seen_twice_keeps_its_first_offset() -> None:
    run = apply(apply(Run("s1"), OutcomeSeen(4)), OutcomeSeen(9))
    assert run.outcome_offset == 4
    assert apply(run, ResultIn(result())) == run and apply(run, TriggerIn("x")) == run
