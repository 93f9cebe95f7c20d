"""The seats this edge holds: every lease renewed each period, all at once; the owner's replacements."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.ws.seats_held import SocketRegistry
from infra.aio import cancel_and_wait
from schemas.views import SeatDecision

LEASES = 50


async def test_every_lease_renewal_is_in_flight_at_once() -> None:
    registry = SocketRegistry()
    registry.leases.update({f"lse_{n}": (f"ses_{n}", 1) for n in range(LEASES)})
    started: set[str] = set()
    all_started = asyncio.Event()

    async def renew(lease_id: str, session_id: str, engine_version: int) -> None:
        started.add(lease_id)
        if len(started) == LEASES:
            all_started.set()
        await all_started.wait()  # acknowledged only once every renewal went out

    renewing = asyncio.create_task(registry.renew_forever(0.01, renew))
    try:
        await asyncio.wait_for(all_started.wait(), 5)
    finally:
        await cancel_and_wait(renewing)
    assert started == set(registry.leases)


async def test_a_failed_renewal_is_logged_and_the_others_go_on(caplog: pytest.LogCaptureFixture) -> None:
    registry = SocketRegistry()
    registry.leases.update({"lse_a": ("ses_a", 1), "lse_b": ("ses_b", 1)})
    renewed: list[str] = []
    second_period = asyncio.Event()

    async def renew(lease_id: str, session_id: str, engine_version: int) -> None:
        if lease_id == "lse_a":
            raise ConnectionError("broker away")
        renewed.append(lease_id)
        if len(renewed) == 2:
            second_period.set()

    renewing = asyncio.create_task(registry.renew_forever(0.01, renew))
    with caplog.at_level(logging.ERROR, logger="app.ws.seats_held"):
        try:
            await asyncio.wait_for(second_period.wait(), 5)
        finally:
            await cancel_and_wait(renewing)
    assert renewed == ["lse_b", "lse_b"]
    assert any(r.getMessage() == "renewing seat lse_a failed" and r.exc_info for r in caplog.records)


def test_the_owner_s_replacement_closes_the_older_socket_and_keeps_the_newer_s_renewals() -> None:
    registry = SocketRegistry()
    told: list[str] = []
    for connection in ("con_a", "con_b"):
        registry.watch(connection, lambda c=connection: told.append(c))
        registry.seat(connection, "lse_1", "ses_1", 1)
    # The owner seated con_b on con_a's seat: con_a is told, once; others are untouched.
    replaced = SeatDecision("occ_1", "ses_1", 1, 9, True, None, "lse_1", 1, 5, "", "con_a", False)
    registry.on_decision(replaced)
    registry.on_decision(replaced)
    assert told == ["con_a"]
    assert registry.leave("con_a", "lse_1") is False  # the seat is con_b's: no release
    assert registry.leases == {"lse_1": ("ses_1", 1)}
    assert registry.leave("con_b", "lse_1") is True
    assert registry.leases == {}
