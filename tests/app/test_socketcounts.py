"""The open-socket bounds of an edge (``app.socketcounts``)."""

from __future__ import annotations

from app.socketcounts import SocketCounts


def test_each_client_is_bounded_and_its_places_come_back() -> None:
    counts = SocketCounts(max_total=10, max_per_client=2)
    assert [counts.acquire("a") for _ in range(3)] == [True, True, False]
    assert counts.acquire("b")
    counts.release("a")
    assert counts.acquire("a") and not counts.acquire("a")


def test_the_edge_is_bounded_across_clients() -> None:
    counts = SocketCounts(max_total=2, max_per_client=5)
    assert counts.acquire("a") and counts.acquire("b") and not counts.acquire("c")
    counts.release("b")
    assert counts.acquire("c")


def test_a_client_without_sockets_is_forgotten() -> None:
    counts = SocketCounts(max_total=100, max_per_client=5)
    for client in ("a", "b", "a"):
        assert counts.acquire(client)
    assert (len(counts), counts.total) == (2, 3)
    for client in ("a", "b", "a"):
        counts.release(client)
    assert (len(counts), counts.total) == (0, 0)
