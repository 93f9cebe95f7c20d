"""Folding one session alone from the shared partition log decides what the runtime did."""

from __future__ import annotations

from schemas.records import InputReceived, PlayerConnected
from streams.sessions.offline import fold_session
from tests.sessions.helpers import Folder, Log, opened


def test_a_session_folded_alone_matches_the_partition_fold() -> None:
    log = Log()
    log.add("early", opened(seed=1))
    log.add("early", PlayerConnected("c"))
    for _ in range(10):
        log.tick()
    log.tick_no -= 3  # a late tick from a previous owner: skipped by "early", not by "late"
    log.add("late", opened(seed=2))
    log.add("late", PlayerConnected("c"))
    for i in range(1, 400):
        if i % 9 == 0:
            log.add("late", InputReceived(i, "flap", "c"))
            log.add("early", InputReceived(i, "flap", "c"))
        log.tick()
    together = Folder().feed(*log.records).effects
    for session_id in ("early", "late"):
        alone = fold_session(session_id, 0, log.records)
        assert alone.frames == [f for f in together.frames if f["sessionId"] == session_id]
        assert alone.results == [r for r in together.results if r["sessionId"] == session_id]
        assert alone.results, "both runs end within 400 ticks"
