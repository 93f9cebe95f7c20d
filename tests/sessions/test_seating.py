"""Seats as the owner decides them: claim window, per-client bounds, occupancy, replacement."""

from __future__ import annotations

import random

import pytest

from schemas.records import SeatOccupied, SeatReleased, SeatRenewed, SeatRequested
from streams.sessions.seating import SEATS_PER_CLIENT, SESSION_ENDED, SPECTATORS_FULL
from tests.sessions.helpers import Folder, Log, opened

S = "ses_1"
CLAIM_MS = 1000


def session(spectators_max: int = 3, **policy: int) -> tuple[Log, Folder]:
    """A session waiting for its player all along (no run ends it); seats work the same."""
    policy = {"seatClaimMs": CLAIM_MS, "seatLeaseMs": 700, "waitingExpiryMs": 10**9, **policy}
    log = Log()
    return log, Folder().feed(log.add(S, opened(spectators_max=spectators_max, **policy)))


def request(log: Log, viewer: str, request_id: str, client: str = "", elsewhere: int = 0):
    return log.add(S, SeatRequested(request_id, viewer, "public", client, elsewhere))


def occupy(log: Log, lease: str, connection: str, viewer: str, request_id: str, client: str = ""):
    return log.add(S, SeatOccupied(lease, connection, request_id, viewer, "public", client))


def answer(folder: Folder, request_id: str) -> dict:
    (found,) = [d for d in folder.decisions() if d["requestId"] == request_id]
    return found


def test_asking_again_never_extends_the_claim_window() -> None:
    log, folder = session()
    folder.feed(request(log, "v1", "r1"))
    for n in range(2, 6):  # asked again and again inside the window: the same seat
        log.wait_ms(200)
        folder.feed(request(log, "v1", f"r{n}"), log.tick())
        assert answer(folder, f"r{n}")["leaseId"] == "lse_r1"
    log.wait_ms(100)
    folder.feed(log.tick())  # past the window counted from the first grant
    assert folder.fold.sessions[S].seats == {}
    # The viewer is a new request now: a new seat, under the rules again.
    folder.feed(request(log, "v1", "r9"))
    assert answer(folder, "r9")["leaseId"] == "lse_r9"


def test_one_client_address_holds_at_most_its_bound_here_and_across_sessions() -> None:
    log, folder = session(spectators_max=5, seatsPerClient=2, seatsPerClientTotal=5)
    folder.feed(*(request(log, f"v{n}", f"r{n}", "198.51.100.7") for n in range(3)))
    assert [answer(folder, f"r{n}")["code"] for n in range(3)] == [None, None, SEATS_PER_CLIENT]
    # Another address still gets in; a viewer already seated still gets its seat.
    folder.feed(request(log, "w", "rw", "203.0.113.9"), request(log, "v0", "again", "198.51.100.7"))
    assert answer(folder, "rw")["granted"] and answer(folder, "again")["leaseId"] == "lse_r0"
    # Seats held elsewhere, as the asking edge counts them, count toward the total.
    folder.feed(request(log, "x", "rx", "192.0.2.1", elsewhere=4), request(log, "y", "ry", "192.0.2.2", elsewhere=5))
    assert (answer(folder, "rx")["code"], answer(folder, "ry")["code"]) == (None, SEATS_PER_CLIENT)
    # A full session says so first, to everyone.
    folder.feed(request(log, "z", "rz", "203.0.113.9"), request(log, "zz", "rzz", "198.51.100.7"))
    assert (answer(folder, "rz")["code"], answer(folder, "rzz")["code"]) == (None, SPECTATORS_FULL)


def test_a_token_whose_seat_is_gone_is_seated_again_only_if_there_is_room() -> None:
    log, folder = session()
    folder.feed(request(log, "v1", "r1"), occupy(log, "lse_r1", "con_a", "v1", "o1"))
    assert answer(folder, "o1")["granted"] and answer(folder, "o1")["leaseId"] == "lse_r1"
    folder.feed(log.add(S, SeatReleased("lse_r1", "closed", "con_a")))
    assert folder.fold.sessions[S].seats == {}
    folder.feed(occupy(log, "lse_r1", "con_b", "v1", "o2"))  # the same token, reconnected
    reseated = answer(folder, "o2")
    assert reseated["granted"] and reseated["leaseId"] == "lse_o2" and reseated["spectatorsCurrent"] == 1
    folder.feed(log.add(S, SeatReleased("lse_o2", "closed", "con_b")))
    folder.feed(*(request(log, f"w{n}", f"rw{n}") for n in range(3)), occupy(log, "lse_r1", "con_c", "v1", "o3"))
    full = answer(folder, "o3")
    assert (full["granted"], full["code"], full["spectatorsCurrent"], full["spectatorsMax"]) == (
        False,
        SPECTATORS_FULL,
        3,
        3,
    )


def test_a_newer_socket_replaces_the_older_and_the_older_cannot_release_the_seat() -> None:
    log, folder = session()
    folder.feed(request(log, "v1", "r1"), occupy(log, "lse_r1", "con_a", "v1", "o1"))
    folder.feed(occupy(log, "lse_r1", "con_b", "v1", "o2"))
    assert answer(folder, "o1")["replacedConnectionId"] is None
    assert answer(folder, "o2")["replacedConnectionId"] == "con_a"
    folder.feed(log.add(S, SeatReleased("lse_r1", "closed", "con_a")))  # the replaced socket closing
    assert folder.fold.sessions[S].seats["lse_r1"].connection_id == "con_b"
    # An old token of the same viewer finds the viewer's seat, whatever its lease now.
    folder.feed(log.add(S, SeatReleased("lse_r1", "closed", "con_b")), request(log, "v1", "r2"))
    folder.feed(occupy(log, "lse_r1", "con_c", "v1", "o3"), occupy(log, "lse_r1", "con_d", "v1", "o4"))
    assert answer(folder, "o3")["leaseId"] == answer(folder, "o4")["leaseId"] == "lse_r2"
    assert answer(folder, "o4")["replacedConnectionId"] == "con_c"
    assert len(folder.fold.sessions[S].seats) == 1


def test_an_older_edge_s_claim_gets_no_answer_and_seats_no_one() -> None:
    log, folder = session()
    folder.feed(request(log, "v1", "r1"), log.add(S, SeatOccupied("lse_gone", "con_a")))
    assert [d["requestId"] for d in folder.decisions()] == ["r1"]
    assert list(folder.fold.sessions[S].seats) == ["lse_r1"]


def test_occupancy_of_an_ended_session_is_refused() -> None:
    log = Log()
    folder = Folder().feed(log.add("gone", opened(waitingExpiryMs=100)))
    log.wait_ms(200)
    folder.feed(log.tick(), log.add("gone", SeatOccupied("lse_x", "con_a", "o1", "v1")))
    assert folder.decisions()[-1]["code"] == SESSION_ENDED


def test_every_seat_of_an_address_that_goes_is_announced() -> None:
    log, folder = session()
    folder.feed(request(log, "v1", "r1", "198.51.100.7"), request(log, "v2", "r2", "198.51.100.7"))
    folder.feed(request(log, "v3", "r3"), occupy(log, "lse_r2", "con_a", "v2", "o2", "198.51.100.7"))
    folder.feed(log.add(S, SeatReleased("lse_r2", "closed", "con_a")))
    log.wait_ms(CLAIM_MS + 1)
    folder.feed(log.tick())  # r1 lapses unclaimed; r3 too, but it counts for no address
    freed = [(d["leaseId"], d["clientKey"]) for d in folder.decisions() if d["freed"]]
    assert freed == [("lse_r2", "198.51.100.7"), ("lse_r1", "198.51.100.7")]
    assert not any(d["granted"] for d in folder.decisions() if d["freed"])


@pytest.mark.parametrize("seed", range(20))
def test_random_seat_traffic_keeps_the_bounds_and_one_socket_per_seat(seed: int) -> None:
    """Any sequence of requests, claims, renewals, releases and time: the counts hold."""
    rng = random.Random(seed)
    log, folder = session(seatsPerClient=2)
    clients, viewers = ["a", "b", "c"], [f"v{n}" for n in range(6)]
    connections: dict[str, str] = {}  # connection -> lease it was seated on
    for step in range(120):
        kind = rng.choice(["request", "occupy", "renew", "release", "wait"])
        leases = [d["leaseId"] for d in folder.decisions() if d["granted"]]
        if kind == "request":
            folder.feed(request(log, rng.choice(viewers), f"r{step}", rng.choice(clients)))
        elif kind == "occupy" and leases:
            lease = rng.choice(leases)
            viewer = lease_viewer(folder, lease) or rng.choice(viewers)
            folder.feed(occupy(log, lease, f"con{step}", viewer, f"o{step}", rng.choice(clients)))
            if answer(folder, f"o{step}")["granted"]:
                connections[f"con{step}"] = answer(folder, f"o{step}")["leaseId"]
        elif kind == "renew" and leases:
            folder.feed(log.add(S, SeatRenewed(rng.choice(leases))))
        elif kind == "release" and connections:
            connection = rng.choice(sorted(connections))
            folder.feed(log.add(S, SeatReleased(connections.pop(connection), "closed", connection)))
        else:
            log.wait_ms(rng.randrange(0, 600))
            folder.feed(log.tick())
        state = folder.fold.sessions[S]
        assert len(state.seats) <= state.spectators_max
        per_client = [sum(1 for s in state.seats.values() if s.client_key == c) for c in clients]
        assert max(per_client) <= 2 and per_client == [state.seats_of_client.get(c, 0) for c in clients]
        held = [s.connection_id for s in state.seats.values() if s.connection_id is not None]
        assert len(held) == len(set(held))  # a socket occupies one seat at most
        assert len({s.viewer_id for s in state.seats.values()}) == len(state.seats)


def lease_viewer(folder: Folder, lease: str) -> str | None:
    seat = folder.fold.sessions[S].seats.get(lease)
    return None if seat is None else seat.viewer_id
