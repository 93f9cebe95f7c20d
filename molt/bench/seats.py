"""Spectate tokens asked of an edge, each timed: the seat decision as a viewer waits for it.

A public spectate-token request is answered once the session's owning worker decided
the seat (edge → session.commands → worker → seat replies → edge), so its latency, timed
by the client from request to response, is the seat round trip plus one HTTP exchange
on the same machine. ``concurrency`` requests are in flight at a time (1: one after
another, nothing queued ahead of any of them). Every request is for a new anonymous
viewer, so each takes a seat of its own.
"""

from __future__ import annotations

import asyncio
import time

import httpx


class SeatRefused(Exception):
    """The edge answered a spectate-token request with an error."""


async def spectate_tokens(
    http: httpx.AsyncClient, game: str, session_id: str, count: int, concurrency: int
) -> tuple[list[dict], list[float]]:
    """``count`` granted tokens (response bodies) and each request's latency in ms."""
    gate = asyncio.Semaphore(concurrency)
    url = f"/api/games/{game}/sessions/{session_id}/spectate-token-public"

    async def one() -> tuple[dict, float]:
        async with gate:
            began = time.perf_counter()
            response = await http.post(url)
            elapsed_ms = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise SeatRefused(f"spectate token for {session_id}: {response.status_code} {response.text[:300]}")
        return response.json(), elapsed_ms

    answers = await asyncio.gather(*(one() for _ in range(count)))
    return [body for body, _ in answers], [ms for _, ms in answers]
