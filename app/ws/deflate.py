"""Frames deflated once per session, for every socket that negotiated permessage-deflate.

A frame repeats most of the frame before it, so deflate with its context kept from one
frame to the next (RFC 7692's context takeover) shrinks a Flappy Bots frame from about
330 bytes to about 30. Kept per socket, that context would cost a compression per frame
per socket and a compressor's memory per socket. Here each watched session has one
stream (``SessionDeflate``): a frame is compressed once, and the same bytes go to every
socket following the stream (``app.ws.outbox.Outbox`` decides which do).

A socket's inflater can follow a stream only from a point where the stream refers to
nothing before it: every ``resync_frames`` frames the stream is fully flushed, which
starts an epoch, and so does a fresh stream's first frame (the fan-out keeps a session's
stream only while one of its sockets can take it, ``app.ws.fanout``). A socket joins at
the start of an epoch and follows it while it gets every one of its messages; one it
misses (queued behind other messages, or a full buffer) puts it back on plain frames
until the next epoch. Plain frames and every other
message go with RSV1 clear, which RFC 7692 allows message by message, and leave the
inflater's window alone: so the edge never compresses anything per socket
(``SharedStreamDeflateFactory``), which also spares each socket a compressor.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import Frame
from websockets.typing import ExtensionParameter

from app.ws.wire import OPCODE_TEXT, frame_header

# The window the edge offers (server_max_window_bits) and every stream uses: 4 KiB holds
# several frames, and a client may ask for no less. Measured on Flappy Bots frames: 29 bytes
# per frame with a 2-second epoch, as small as with the largest window.
WINDOW_BITS = 12
# The strongest compression for the smallest state: once per frame per session, not per socket.
LEVEL = 9
MEM_LEVEL = 2  # 18 KiB a stream; more memory compresses these frames no smaller
_RSV1 = 0x40
_SYNC_TAIL = b"\x00\x00\xff\xff"  # every flush ends so; RFC 7692 §7.2.1 leaves it off the wire
# Epochs are numbered across all streams: a socket's epoch never matches another stream's.
_EPOCHS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class DeflatedFrame:
    """One frame of a session's stream: its epoch, whether it starts it, its bytes on the wire."""

    epoch: int
    starts_epoch: bool
    framed: bytes


def deflated_text_frame(payload: bytes) -> bytes:
    """One unmasked, final, compressed text frame (RSV1 set) carrying deflated ``payload``."""
    header = frame_header(OPCODE_TEXT, len(payload))
    return bytes([header[0] | _RSV1]) + header[1:] + payload


class SessionDeflate:
    """One session's frames as one deflate stream, fully flushed every ``resync_frames``."""

    def __init__(self, resync_frames: int) -> None:
        assert resync_frames > 0
        self._resync_frames = resync_frames
        self._compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -WINDOW_BITS, MEM_LEVEL)
        self._in_epoch = 0
        self._epoch = next(_EPOCHS)

    def frame(self, text: bytes) -> DeflatedFrame:
        epoch, starts = self._epoch, self._in_epoch == 0
        self._in_epoch += 1
        ends = self._in_epoch >= self._resync_frames
        # A full flush forgets what came before: the next frame refers to nothing earlier.
        data = self._compressor.compress(text) + self._compressor.flush(
            zlib.Z_FULL_FLUSH if ends else zlib.Z_SYNC_FLUSH
        )
        if ends:
            self._epoch = next(_EPOCHS)
            self._in_epoch = 0
        assert data.endswith(_SYNC_TAIL)
        return DeflatedFrame(epoch, starts, deflated_text_frame(data[: -len(_SYNC_TAIL)]))


class SharedStreamDeflate(PerMessageDeflate):
    """permessage-deflate that inflates what the client sends and compresses nothing itself."""

    def __init__(self, negotiated: PerMessageDeflate) -> None:
        super().__init__(
            negotiated.remote_no_context_takeover,
            negotiated.local_no_context_takeover,
            negotiated.remote_max_window_bits,
            negotiated.local_max_window_bits,
        )
        if hasattr(self, "encoder"):
            del self.encoder  # never used: its memory is the largest part of a socket's

    @property
    def follows_streams(self) -> bool:
        """Whether the client keeps its inflater's window across messages wide enough for a stream."""
        return not self.local_no_context_takeover and self.local_max_window_bits >= WINDOW_BITS

    def encode(self, frame: Frame) -> Frame:
        return frame  # sent plain: only the fan-out's stream goes through the client's inflater


class SharedStreamDeflateFactory(ServerPerMessageDeflateFactory):
    """Negotiates permessage-deflate as uvicorn does, for ``SharedStreamDeflate``."""

    def __init__(self) -> None:
        super().__init__(server_max_window_bits=WINDOW_BITS, client_max_window_bits=WINDOW_BITS)

    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        response, negotiated = super().process_request_params(params, accepted_extensions)
        return response, SharedStreamDeflate(negotiated)
