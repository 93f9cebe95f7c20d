"""The leaderboard's shards and their merge: best api runs, exact for any limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas.leaderboard import SHARD_SIZE, merge, rank_key
from streams.leaderboard.board import admit, entry_of
from tests.rewards.test_ledger import result


def entry(session_id: str, score: int, ended_ms: int) -> dict:
    return {"sessionId": session_id, "playerId": "p", "playerName": "n", "score": score, "endedAtMs": ended_ms}


def fill(entries: list[dict]) -> list[dict]:
    shard: list[dict] = []
    for e in entries:
        shard = admit(shard, e) or shard
    return shard


def test_only_api_runs_that_started_rank() -> None:
    assert entry_of(result()) == entry("s1", 127, 31_000) | {"playerId": "agt_1", "playerName": "bot"}
    assert entry_of(result(mode="practice")) is None
    assert entry_of(result() | {"startedAtMs": None}) is None


def test_higher_score_first_then_earlier_end() -> None:
    shard = fill([entry("a", 5, 300), entry("b", 9, 500), entry("c", 5, 100)])
    assert [e["sessionId"] for e in shard] == ["b", "c", "a"]


def test_a_republished_result_or_a_run_below_a_full_shard_changes_nothing() -> None:
    shard = fill([entry(f"s{i}", 100 + i, i) for i in range(SHARD_SIZE)])
    assert len(shard) == SHARD_SIZE
    assert admit(shard, entry("s5", 105, 5)) is None
    assert admit(shard, entry("low", 1, 0)) is None
    better = admit(shard, entry("top", 1_000, 0))
    assert better is not None and better[0]["sessionId"] == "top" and len(better) == SHARD_SIZE


PARTITIONS = 4


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 10**6), st.integers(0, PARTITIONS - 1)), max_size=300),
    st.integers(1, SHARD_SIZE),
)
def test_merging_shards_gives_the_global_best(runs: list[tuple[int, int, int]], limit: int) -> None:
    entries = [(entry(f"s{i}", score, ended), part) for i, (score, ended, part) in enumerate(runs)]
    shards = [fill([e for e, p in entries if p == part]) for part in range(PARTITIONS)]
    assert merge(shards, limit) == sorted((e for e, _ in entries), key=rank_key)[:limit]
