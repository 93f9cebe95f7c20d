"""A minimal HTTP/1.1 keep-alive client, for timing a server rather than an HTTP library.

On this machine an httpx request costs about 2.3 ms of the client's own time at the
median (GET /healthz: 3.1 ms through httpx, 0.6 ms through this), and much more at
the 99th percentile: timed through it, the seat decision was as much httpx as edge.
This client writes the request and reads the response off one connection with
asyncio streams, nothing else: ``Content-Length`` bodies only (what uvicorn sends for
JSON), no redirects, no TLS.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
# A server that stops answering fails the benchmark rather than hanging it.
TIMEOUT_S = 60.0


class HttpError(ConnectionError):
    """The response could not be read (closed early, no Content-Length, oversized head)."""


class Http1Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, base_url: str) -> Http1Connection:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"not an http:// URL: {base_url}")
        port = parts.port or 80
        reader, writer = await asyncio.open_connection(parts.hostname, port, limit=MAX_HEAD)
        return cls(reader, writer, f"{parts.hostname}:{port}")

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and read its response: (status, body)."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body), TIMEOUT_S)
        except TimeoutError:
            raise HttpError(f"{method} {path}: no response within {TIMEOUT_S:.0f} s") from None

    async def _exchange(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        self._writer.write(head.encode() + b"\r\n" + body)
        try:
            raw = await self._reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise HttpError(f"{method} {path}: no complete response head ({exc})") from None
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise HttpError(f"{method} {path}: the response has no Content-Length")
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
