"""What one socket has still to send: its messages in order, its frames bounded.

A frame goes straight to the socket's transport (``app.ws.wire``) when the socket has
one, nothing queued and nothing half-sent; otherwise it is queued, and frames beyond
the queue's capacity push the oldest frame out (a slow client skips frames rather than
slowing anyone else down). Other messages are never dropped: they go the same way when
the fan-out framed them, else they are queued.

A frame that comes deflated on its session's stream (``app.ws.deflate``) goes so when
the socket follows that stream's epoch: it joined at the epoch's first frame and has
had every frame of it straight on the wire since. Any frame it misses puts it back on
plain frames until the next epoch.

With ``max_backlog`` (spectators), a socket whose transport holds more than that many
unsent bytes when a message comes is cut off instead: it gets ``SLOW_CONSUMER`` and
close 1013 straight through the wire, and its queue is emptied and closed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from app.ws.deflate import DeflatedFrame
from app.ws.messages import CLOSE_AFTER, Error
from app.ws.wire import FrameWire

SLOW = Error("SLOW_CONSUMER", "the socket fell too far behind its messages; closing")


class Outbox:
    """What one socket has still to send, oldest first."""

    def __init__(
        self,
        *,
        close_on_end: bool,
        frame_capacity: int = 8,
        wire: FrameWire | None = None,
        max_backlog: int | None = None,
        on_cut_off: Callable[[], None] | None = None,
    ) -> None:
        self._items: deque[tuple[bool, str | None]] = deque()
        self._frames = 0
        self._capacity = frame_capacity
        self._ready = asyncio.Event()
        self.dropped_frames = 0
        # Spectators are done when the run ends; a player may still send the snapshot.
        self.close_on_end = close_on_end
        self.close_code: int | None = None
        self.wire = wire
        # True while the socket's sender is inside a send: the wire must wait for it.
        self.sending = False
        self._max_backlog = max_backlog
        self._on_cut_off = on_cut_off
        self.cut_off = False
        # The epoch of its session's deflate stream this socket follows; None: plain frames.
        self.deflate_epoch: int | None = None
        self._follows_streams: bool | None = None  # asked of the wire once, after the handshake

    def push_frame(self, text: str, framed: bytes | None = None, deflated: DeflatedFrame | None = None) -> bool:
        """Send a frame: on the wire (``framed``: its bytes there; ``deflated``: the same on
        the session's stream) when nothing is ahead of it, else queued.

        Returns whether it went on the wire.
        """
        if self._behind():
            return False
        straight = framed is not None and self._straight()
        if deflated is not None and self._on_stream(deflated, straight):
            return True
        if straight and self.wire is not None and framed is not None and self.wire.write(framed):
            return True
        if self._frames >= self._capacity:
            self._drop_oldest_frame()
        self._items.append((True, text))
        self._frames += 1
        self._ready.set()
        return False

    def _straight(self) -> bool:
        """Whether a message may go on the wire now: one to go on, nothing ahead of it, not closing."""
        return self.wire is not None and not self._items and not self.sending and self.close_code is None

    def _on_stream(self, deflated: DeflatedFrame, straight: bool) -> bool:
        """Whether the frame went on the wire deflated; keeps or drops the socket's place on the stream."""
        if not straight or self.wire is None or not self.takes_streams():
            self.deflate_epoch = None  # this frame goes plain or queued: the stream goes on without it
            return False
        if deflated.starts_epoch:
            self.deflate_epoch = deflated.epoch
        if self.deflate_epoch != deflated.epoch:
            return False
        if self.wire.write(deflated.framed):
            return True
        self.deflate_epoch = None
        return False

    def takes_streams(self) -> bool:
        """Whether the socket's client can inflate its session's deflate stream."""
        if self._follows_streams is None and self.wire is not None:
            self._follows_streams = self.wire.follows_streams  # stays None until the handshake is done
        return bool(self._follows_streams)

    def push(self, text: str, framed: bytes | None = None) -> None:
        """Send a message that is never dropped: on the wire (``framed``) when nothing is ahead of it, else queued."""
        if self._behind():
            return
        if framed is not None and self._straight() and self.wire is not None and self.wire.write(framed):
            return  # plain: a socket on its session's deflate stream stays on it
        self._items.append((False, text))
        self._ready.set()

    def close(self, code: int) -> None:
        """No more messages: ``next`` returns None once the rest is sent; close with ``code``."""
        if self.close_code is None:
            self.close_code = code
            self._items.append((False, None))
            self._ready.set()

    def drain(self) -> list[str]:
        """Everything still queued, without waiting (for a last flush before closing)."""
        texts = [text for _, text in self._items if text is not None]
        self._items.clear()
        self._frames = 0
        return texts

    async def next(self) -> str | None:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        is_frame, text = self._items.popleft()
        if is_frame:
            self._frames -= 1
        return text

    def _drop_oldest_frame(self) -> None:
        for index, (is_frame, _) in enumerate(self._items):
            if is_frame:
                del self._items[index]
                self._frames -= 1
                self.dropped_frames += 1
                return

    def _behind(self) -> bool:
        """True if the socket is cut off: now, its transport over ``max_backlog``, or before."""
        if self.cut_off:
            return True
        wire, bound = self.wire, self._max_backlog
        if wire is None or bound is None or self.close_code is not None or wire.backlog() <= bound:
            return False
        self.cut_off = True
        wire.cut_off(SLOW.encode(), CLOSE_AFTER[SLOW.code], "slow consumer")
        self._items.clear()
        self._frames = 0
        self.close(CLOSE_AFTER[SLOW.code])
        if self._on_cut_off is not None:
            self._on_cut_off()
        return True
