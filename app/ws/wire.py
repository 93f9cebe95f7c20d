"""Frames written straight to a socket's transport, framed once for every socket.

Sending a frame through ASGI costs a task wake-up, a trip through the middleware and
uvicorn's protocol, and the WebSocket framing, per socket: with many spectators that is
most of an edge's CPU. A frame's bytes on the wire are the same for every socket that
gets it (a server's frames are not masked), so the fan-out frames a message once
(``text_frame``) and writes those bytes to each socket's transport (``FrameWire``).

That needs the transport, which ASGI does not hand out: ``app.ws.wire_protocol`` is
uvicorn's default WebSocket protocol (``websockets-sansio``), which puts a ``FrameWire``
in the socket's scope extensions. Under any other server the extension is absent and
every message goes through ASGI as before.

The wire is bypassed, never raced: the fan-out writes to it only when the socket has
nothing queued and nothing half-sent through ASGI (``app.ws.outbox.Outbox``), so messages
keep their order. With permessage-deflate negotiated, a frame goes deflated on a stream
shared by the session's sockets (``app.ws.deflate``) or plain (RSV1 clear), which RFC 7692
allows for any message.

The wire also bounds what a socket that stops reading holds: a fixed kernel send buffer
(``limit_kernel_buffer``), what its transport holds beyond (``backlog``), and ``cut_off``,
which closes a socket whose sender is stuck behind a full buffer: the close goes past the
buffer's flow control, and the transport is let go of within ``CUT_OFF_ABORT_S`` whether
or not the client ever reads it.
"""

from __future__ import annotations

import socket
import struct
from typing import TYPE_CHECKING

from websockets.protocol import State

if TYPE_CHECKING:  # uvicorn is imported by the edge's server only, not by what reads frames
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

WIRE_EXTENSION = "molt.frame_wire"
# Above this many bytes not yet taken by the kernel, the socket is a slow reader: its
# frames go to its outbox, which keeps only the newest few.
WRITE_BUFFER_LIMIT = 64 * 1024

# How long a cut-off socket's last bytes (its error and close) wait for the client to read
# them before its connection is dropped (uvicorn's own close timeout).
CUT_OFF_ABORT_S = 10.0

OPCODE_TEXT = 0x1
_FIN = 0x80
_MASKED = 0x80


def frame_header(opcode: int, size: int, *, masked: bool = False) -> bytes:
    """The header of one final frame with ``size`` payload bytes (RFC 6455 §5.2).

    A server's frames are unmasked; a client's are masked, its 4-byte key following this.
    """
    first, mask_bit = _FIN | opcode, _MASKED if masked else 0
    if size < 126:
        return struct.pack("!BB", first, mask_bit | size)
    if size < 1 << 16:
        return struct.pack("!BBH", first, mask_bit | 126, size)
    return struct.pack("!BBQ", first, mask_bit | 127, size)


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame carrying ``payload`` (UTF-8), as a server sends it."""
    return frame_header(OPCODE_TEXT, len(payload)) + payload


class FrameWire:
    """One socket's transport, for frames already framed."""

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` if the socket is open and keeping up; False if it was not written."""
        protocol = self._protocol
        transport = protocol.transport
        if (
            not protocol.handshake_complete
            or protocol.close_sent
            or protocol.conn.state is not State.OPEN
            or transport.is_closing()
            or transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT
        ):
            return False
        transport.write(frame)
        return True

    @property
    def follows_streams(self) -> bool | None:
        """Whether the client's inflater can follow the fan-out's deflate streams
        (``app.ws.deflate``); None until the handshake has settled it."""
        if not self._protocol.handshake_complete:
            return None
        return any(getattr(extension, "follows_streams", False) for extension in self._protocol.conn.extensions)

    def backlog(self) -> int:
        """Bytes written to the transport and not yet taken by the kernel."""
        return self._protocol.transport.get_write_buffer_size()

    def limit_kernel_buffer(self, size: int) -> None:
        """Fix the kernel's send buffer of this socket at ``size`` (SO_SNDBUF; no autotuning)."""
        sock = self._protocol.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def cut_off(self, last: str, code: int, reason: str) -> None:
        """Send ``last`` and a close with ``code`` now, past the buffer, and drop the
        connection once they are read, or after ``CUT_OFF_ABORT_S`` if they are not."""
        protocol = self._protocol
        transport = protocol.transport
        if protocol.close_sent or protocol.conn.state is not State.OPEN or transport.is_closing():
            return
        protocol.conn.send_text(last.encode())
        protocol.conn.fail(code, reason)  # the close frame, then no more reading (as uvicorn's keepalive timeout)
        transport.write(b"".join(protocol.conn.data_to_send()))
        protocol.close_sent = True
        transport.close()  # once the buffer is flushed
        protocol.loop.call_later(CUT_OFF_ABORT_S, transport.abort)
