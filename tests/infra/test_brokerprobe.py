"""The broker probe's memory: an answer counts only while it is recent."""

from __future__ import annotations

from infra.brokerprobe import Reachability


def test_nothing_probed_yet_is_unreachable() -> None:
    assert not Reachability(stale_s=60).reachable


def test_a_recent_answer_counts_and_a_failed_probe_undoes_it() -> None:
    reachability = Reachability(stale_s=60)
    reachability.record(True)
    assert reachability.reachable
    reachability.record(False)
    assert not reachability.reachable


def test_an_answer_older_than_stale_s_no_longer_counts() -> None:
    # A probe stuck on a silent broker records nothing: the last good answer ages out.
    reachability = Reachability(stale_s=0.0)
    reachability.record(True)
    assert not reachability.reachable
