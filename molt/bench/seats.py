"""Spectate tokens asked of an edge, each timed: the seat decision as a viewer waits for it.

A public spectate-token request is answered once the session's owning worker decided
the seat (edge → session.commands → worker → seat replies → edge), so its latency, timed
by the client from request to response, is the seat round trip plus one HTTP exchange
on the same machine. ``concurrency`` requests are in flight at a time (1: one after
another, nothing queued ahead of any of them), each on a keep-alive connection of its
own opened before timing starts, through the minimal client ``molt.bench.http1`` (an
httpx request costs more than the edge's whole HTTP exchange). Every request is for a
new anonymous viewer, so each takes a seat of its own. ``http_floor`` times a request
that needs no Kafka (GET /healthz) the same way: the HTTP part of the figure.

``claims_to_welcome`` times what a viewer waits for next: from opening the spectate
socket with a granted token to its ``welcome``, which now includes the owner accepting
the socket's occupancy of the seat (one more round trip through the session's log).
"""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect

from molt.bench.http1 import Http1Connection


class SeatRefused(Exception):
    """The edge answered a spectate-token request with an error."""


async def spectate_tokens(
    edge_url: str, game: str, session_id: str, count: int, concurrency: int
) -> tuple[list[dict], list[float]]:
    """``count`` granted tokens (response bodies) and each request's latency in ms."""
    path = f"/api/games/{game}/sessions/{session_id}/spectate-token-public"
    tokens: list[dict] = []
    latencies: list[float] = []
    remaining = count

    async def one_connection(connection: Http1Connection) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, body, elapsed_ms = await _timed(connection, "POST", path)
            if status != 200:
                raise SeatRefused(f"spectate token for {session_id}: {status} {body[:300]!r}")
            tokens.append(json.loads(body))
            latencies.append(elapsed_ms)

    connections = [await Http1Connection.open(edge_url) for _ in range(min(count, concurrency))]
    try:
        await asyncio.gather(*(one_connection(connection) for connection in connections))
    finally:
        for connection in connections:
            await connection.close()
    return tokens, latencies


async def http_floor(edge_url: str, count: int) -> list[float]:
    """``count`` GET /healthz round trips to the edge, one after another, in ms."""
    connection = await Http1Connection.open(edge_url)
    try:
        samples = []
        for _ in range(count):
            status, body, elapsed_ms = await _timed(connection, "GET", "/healthz")
            samples.append(elapsed_ms)
            if status != 200:
                raise SeatRefused(f"GET /healthz: {status} {body[:300]!r}")
        return samples
    finally:
        await connection.close()


async def _timed(connection: Http1Connection, method: str, path: str) -> tuple[int, bytes, float]:
    """One request: (status, body, latency in ms from sending it to the whole response)."""
    began = time.perf_counter()
    status, body = await connection.request(method, path)
    return status, body, (time.perf_counter() - began) * 1000


async def claims_to_welcome(tokens: list[dict]) -> list[float]:
    """Each token's socket, one after another: ms from opening it to its ``welcome``."""
    samples = []
    for token in tokens:
        began = time.perf_counter()
        async with connect(token["wsUrl"], compression=None) as ws:
            await ws.send(json.dumps({"t": "auth", "token": token["token"]}))
            first = json.loads(await ws.recv())
            if first["t"] != "welcome":
                raise SeatRefused(f"spectate socket: {first}")
            samples.append((time.perf_counter() - began) * 1000)
    return samples
