"""The bounded memory of recent keys: the newest kept, the oldest forgotten, never past its capacity."""

from __future__ import annotations

from infra.recent import RecentKeys


def test_the_oldest_key_is_forgotten_first_and_the_size_never_passes_the_capacity() -> None:
    recent = RecentKeys(3)
    for key in "abcd":
        recent.add(key)
    assert len(recent) == 3
    assert "a" not in recent and all(key in recent for key in "bcd")


def test_a_key_added_again_is_the_newest() -> None:
    recent = RecentKeys(2)
    recent.add("a")
    recent.add("b")
    recent.add("a")
    recent.add("c")
    assert "a" in recent and "b" not in recent and len(recent) == 2
