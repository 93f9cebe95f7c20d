"""The rewards table's entries survive the Avro round trip, runs and marks alike."""

from __future__ import annotations

from schemas.codec import Codec
from streams.rewards import store
from streams.rewards.ledger import Run
from tests.rewards.test_ledger import result


def test_runs_and_marks_round_trip() -> None:
    codec = Codec()
    for run in (Run("s1"), Run("s1", result(), "http_a"), Run("s1", None, "ws_b", 42)):
        assert store.decode_run(codec, "s1", store.encode_run(codec, run)) == run
    assert store.decode_mark(codec, store.encode_mark(codec, 3, 17)) == 17


def test_absent_entries_are_a_fresh_run_and_mark_zero() -> None:
    codec = Codec()
    assert store.decode_run(codec, "s9", None) == Run("s9")
    assert store.decode_mark(codec, None) == 0
    assert store.mark_key(2) != store.run_key("2")
