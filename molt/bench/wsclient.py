"""A minimal WebSocket client for receivers that must cost less than the server they measure.

The fan-out benchmark holds thousands of spectator sockets on the same two cores as the
server. A ``websockets`` client spends about 13 µs per frame received (its reader task,
its queue, UTF-8 decoding): at 2,000 spectators × 30 Hz that is more CPU than the edge
itself uses. This client is an asyncio ``Protocol`` that parses server frames where they
arrive, in ``data_received``, and hands each text message's bytes to a callback
(``follow``), not decoded. It does what a viewer needs and no more: the opening handshake (checked),
masked text messages out, pings answered, the closing handshake; permessage-deflate when
asked (offered as browsers offer it: the edge then sends frames deflated, ``app.ws.deflate``),
no other extension, no fragmented messages (the servers measured send none).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import zlib
from collections.abc import Callable
from typing import cast
from urllib.parse import urlsplit

from app.ws.wire import OPCODE_TEXT, frame_header

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_CLOSE, _PING, _PONG = 0x8, 0x9, 0xA
_MAX_HANDSHAKE = 16 * 1024
_RSV1 = 0x40
_SYNC_TAIL = b"\x00\x00\xff\xff"  # left off each deflated message (RFC 7692 §7.2.1)
DEFLATE_OFFER = "permessage-deflate; client_max_window_bits"


class HandshakeFailed(ConnectionError):
    """The server did not switch protocols (its status line is the message)."""


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked frame, as a client must send it."""
    mask = os.urandom(4)
    size = len(payload)
    repeated = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(size, "big")
    return frame_header(opcode, size, masked=True) + mask + masked


class WsReader(asyncio.Protocol):
    """One client socket; ``on_text`` gets every text message's payload once open."""

    def __init__(self, key: bytes) -> None:
        self._accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        self._buffer = bytearray()
        self._open = False
        self._transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # The first text message (a welcome) resolves ``first_text``; later ones are kept
        # until ``follow`` names who reads them.
        self.first_text: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._early: list[bytes] = []
        self._on_text: Callable[[bytes], None] = self._keep
        self.close_code: int | None = None  # the server's, once its close came
        # Set when the server accepted permessage-deflate: one inflater for the connection.
        self._inflater: zlib._Decompress | None = None
        self._reset_inflater = False  # server_no_context_takeover: each message on its own
        # The size on the wire of the text message being handed to ``on_text`` (deflated or not).
        self.wire_size = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.first_text.done():
            self.first_text.set_exception(exc or ConnectionError("closed before any message"))
            self.first_text.exception()  # nobody need wait for it: no "never retrieved" warning

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._open and not self._handshake():
            return
        self._frames()

    def follow(self, on_text: Callable[[bytes], None]) -> None:
        """From now on, hand every text message after the first to ``on_text`` (kept ones first)."""
        early, self._early = self._early, []
        self._on_text = on_text
        for payload in early:
            on_text(payload)

    def send_text(self, text: str) -> None:
        assert self._transport is not None
        self._transport.write(client_frame(OPCODE_TEXT, text.encode()))

    def pause_reading(self) -> None:
        """Read nothing more from the socket (a viewer that stopped reading) until ``resume_reading``."""
        assert self._transport is not None
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        assert self._transport is not None
        self._transport.resume_reading()

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(client_frame(_CLOSE, struct.pack("!H", 1000)))
            self._transport.close()

    def _handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _MAX_HANDSHAKE:
                self._fail(HandshakeFailed("no end to the server's handshake response"))
            return False
        head = bytes(self._buffer[:end]).split(b"\r\n")
        del self._buffer[: end + 4]
        status = head[0].decode("latin-1")
        headers = {
            name.strip().lower(): value.strip() for name, _, value in (line.partition(b":") for line in head[1:])
        }
        if status.split(" ")[1:2] != ["101"]:
            self._fail(HandshakeFailed(status))
            return False
        if headers.get(b"sec-websocket-accept") != self._accept:
            self._fail(HandshakeFailed("wrong Sec-WebSocket-Accept"))
            return False
        extensions = headers.get(b"sec-websocket-extensions", b"").decode("latin-1").lower()
        if extensions.startswith("permessage-deflate"):
            self._inflater = zlib.decompressobj(wbits=-15)  # reads any smaller window too
            self._reset_inflater = "server_no_context_takeover" in extensions
        self._open = True
        self.opened.set_result(None)
        return True

    def _frames(self) -> None:
        buffer = self._buffer
        start = 0
        while len(buffer) - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            size, at = second & 0x7F, start + 2
            if size == 126:
                if len(buffer) - at < 2:
                    break
                (size,) = struct.unpack_from("!H", buffer, at)
                at += 2
            elif size == 127:
                if len(buffer) - at < 8:
                    break
                (size,) = struct.unpack_from("!Q", buffer, at)
                at += 8
            if len(buffer) - at < size:
                break
            payload = bytes(buffer[at : at + size])
            start = at + size
            opcode = first & 0x0F
            if opcode == OPCODE_TEXT:
                self.wire_size = size
                self._on_text(self._inflate(payload) if first & _RSV1 else payload)
            elif opcode == _PING:
                assert self._transport is not None
                self._transport.write(client_frame(_PONG, payload))
            elif opcode == _CLOSE:
                self.close_code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
                self.close()
        del buffer[:start]

    def _inflate(self, payload: bytes) -> bytes:
        if self._inflater is None:
            raise ConnectionError("a compressed message on a socket that negotiated no compression")
        if self._reset_inflater:
            self._inflater = zlib.decompressobj(wbits=-15)
        return self._inflater.decompress(payload + _SYNC_TAIL)

    def _keep(self, payload: bytes) -> None:
        if self.first_text.done():
            self._early.append(payload)
        else:
            self.first_text.set_result(payload)

    def _fail(self, error: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(error)
        assert self._transport is not None
        self._transport.close()


async def open_reader(url: str, timeout: float, *, deflate: bool = False) -> WsReader:
    """Connect to a ``ws://`` URL and complete the opening handshake (offering
    permessage-deflate with ``deflate``)."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None:
        raise ValueError(f"not a ws:// URL: {url}")
    port = parts.port or 80
    key = base64.b64encode(os.urandom(16))
    loop = asyncio.get_running_loop()
    _, reader = await asyncio.wait_for(loop.create_connection(lambda: WsReader(key), parts.hostname, port), timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\n"
        + (f"Sec-WebSocket-Extensions: {DEFLATE_OFFER}\r\n" if deflate else "")
        + "\r\n"
    )
    assert reader._transport is not None
    reader._transport.write(request.encode())
    try:
        await asyncio.wait_for(asyncio.shield(reader.opened), timeout)
    except BaseException:
        reader.close()
        raise
    return reader
