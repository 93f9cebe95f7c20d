"""Frames and session events, fanned out from Kafka to the sockets of this edge.

Each frame is turned into its WebSocket text, and framed for the wire, once, whatever
the number of sockets watching it (the worker already encoded the state as JSON).
Every socket has an ``Outbox``. A frame goes straight to the socket's transport when
the socket has one (``app.ws.wire``), nothing queued and nothing half-sent; otherwise it
is queued, and frames beyond the queue's capacity push the oldest frame out (a slow
client skips frames rather than slowing anyone else down). Control messages are always
queued and never dropped. The latest frame of each session is kept so a late joiner
sees the game at once, and the live list shows each run's tick and score as of it.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass

import orjson

from app.ws.wire import FrameWire, text_frame
from schemas.codec import Codec
from schemas.framebatch import decode_batch

FRAME_TEMPLATE = '{"t":"frame","tick":%d,"lastInputSeq":%d,"state":%s}'
NORMAL_CLOSE = 1000


@dataclass(frozen=True, slots=True)
class LatestFrame:
    tick: int
    last_input_seq: int
    state_json: str

    def score(self) -> int:
        """The run's score in this frame (parsed on demand: most frames are never asked)."""
        return orjson.loads(self.state_json)["score"]


class Outbox:
    """What one socket has still to send, oldest first."""

    def __init__(self, *, close_on_end: bool, frame_capacity: int = 8, wire: FrameWire | None = None) -> None:
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

    def push_frame(self, text: str, framed: bytes | None = None) -> bool:
        """Send a frame: on the wire (``framed``: its bytes there) when nothing is ahead of it, else queued.

        Returns whether it went on the wire.
        """
        if (
            framed is not None
            and self.wire is not None
            and not self._items
            and not self.sending
            and self.close_code is None
            and self.wire.write(framed)
        ):
            return True
        if self._frames >= self._capacity:
            self._drop_oldest_frame()
        self._items.append((True, text))
        self._frames += 1
        self._ready.set()
        return False

    def push(self, text: str) -> None:
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


class Fanout:
    def __init__(self, codec: Codec) -> None:
        self._codec = codec
        self.latest: dict[str, LatestFrame] = {}
        self._outboxes: dict[str, set[Outbox]] = {}
        self._first_frame: dict[str, asyncio.Event] = {}
        # A view is rewritten on every change of its session; only count changes are worth a message.
        self._counts: dict[str, tuple[int, int]] = {}
        self._ended: set[str] = set()
        self.frames_in = 0
        self.frames_out = 0  # frames handed to sockets (on the wire or queued)
        self.frames_on_wire = 0

    def join(self, session_id: str, outbox: Outbox) -> None:
        self._outboxes.setdefault(session_id, set()).add(outbox)

    def leave(self, session_id: str, outbox: Outbox) -> None:
        watchers = self._outboxes.get(session_id)
        if watchers is not None:
            watchers.discard(outbox)
            if not watchers:
                del self._outboxes[session_id]

    def watchers(self, session_id: str) -> int:
        return len(self._outboxes.get(session_id, ()))

    async def wait_latest(self, session_id: str, timeout: float) -> LatestFrame | None:
        """The session's latest frame, waiting up to ``timeout`` for a first one."""
        if session_id not in self.latest:
            event = self._first_frame.setdefault(session_id, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), timeout)
            except TimeoutError:
                pass
            finally:
                self._first_frame.pop(session_id, None)
        return self.latest.get(session_id)

    def on_frames(self, value: bytes) -> None:
        """A FrameBatch from session.frames."""
        for frame in decode_batch(self._codec, value)["frames"]:
            session_id = frame["sessionId"]
            latest = LatestFrame(frame["seq"], frame["lastInputSeq"], frame["frameJson"])
            self.latest[session_id] = latest
            self.frames_in += 1
            event = self._first_frame.get(session_id)
            if event is not None:
                event.set()
            watchers = self._outboxes.get(session_id)
            if watchers:
                text = FRAME_TEMPLATE % (latest.tick, latest.last_input_seq, latest.state_json)
                framed = text_frame(text.encode())
                on_wire = 0
                for outbox in watchers:
                    on_wire += outbox.push_frame(text, framed)
                self.frames_out += len(watchers)
                self.frames_on_wire += on_wire

    def on_session_view(self, session_id: str, view: dict) -> None:
        """A sessions-view update: tell the watchers when the run ended."""
        if view["status"] != "ended" or session_id in self._ended:
            return
        self._ended.add(session_id)
        self.latest.pop(session_id, None)
        self._counts.pop(session_id, None)
        text = json.dumps({"t": "end", "result": view["result"]}, separators=(",", ":"))
        for outbox in self._outboxes.get(session_id, ()):
            outbox.push(text)
            if outbox.close_on_end:
                outbox.close(NORMAL_CLOSE)

    def on_spectators(self, session_id: str, count: dict) -> None:
        numbers = (count["current"], count["max"])
        if self._counts.get(session_id) == numbers:
            return
        self._counts[session_id] = numbers
        text = json.dumps({"t": "spectators", "current": count["current"], "max": count["max"]})
        for outbox in self._outboxes.get(session_id, ()):
            outbox.push(text)
