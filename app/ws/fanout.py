"""Frames and session events, fanned out from Kafka to the sockets of this edge.

Each message is encoded (``app.ws.messages``), and a frame framed for the wire, once,
whatever the number of sockets it goes to; each socket's ``Outbox`` sends it or queues
it. The latest frame of each session is kept so a late joiner sees the game at once,
and the live list shows each run's tick and score as of it. Each frame is noted in the
``TickIndex`` (where it lies in the log), for viewers rewinding a live run.

Memory follows the live sessions: what is kept per session goes when its run ends. Frames
and counts come on other topics than the view that says it ended, so they may come after
it: a bounded memory of the ended runs (``ENDED_MEMORY``) keeps them from coming back.

Sockets that negotiated permessage-deflate get a watched session's frames from one
deflate stream per session, compressed once per frame (``app.ws.deflate``). A session
keeps its stream only while one of its sockets can take it: the others cost no compression.
"""

from __future__ import annotations

import asyncio

from aiokafka.structs import ConsumerRecord

from app.tickindex import TickIndex
from app.ws.deflate import DeflatedFrame, SessionDeflate
from app.ws.messages import Close, End, Frame, Spectators
from app.ws.outbox import Outbox
from app.ws.wire import text_frame
from infra.recent import RecentKeys
from schemas.codec import Codec
from schemas.framebatch import decode_batch
from schemas.views import SessionView, SpectatorCount

# Ended runs remembered, far more than end within the time their last records take to arrive.
ENDED_MEMORY = 10_000


class Fanout:
    def __init__(self, codec: Codec, index: TickIndex, deflate_resync_frames: int = 0) -> None:
        self._codec = codec
        self._index = index
        # Each watched session's frames as one deflate stream (app.ws.deflate), while one of its
        # sockets can take it; 0: frames go plain.
        self._resync_frames = deflate_resync_frames
        self._streams: dict[str, SessionDeflate] = {}
        self.latest: dict[str, Frame] = {}
        self._outboxes: dict[str, set[Outbox]] = {}
        self._first_frame: dict[str, asyncio.Event] = {}
        # A view is rewritten on every change of its session; only count changes are worth a message.
        self._counts: dict[str, Spectators] = {}
        self._ended = RecentKeys(ENDED_MEMORY)
        self.frames_in = 0
        self.frames_out = 0  # frames handed to sockets (on the wire or queued)
        self.frames_on_wire = 0
        self.frames_deflated = 0  # of those on the wire, how many on their session's deflate stream

    def join(self, session_id: str, outbox: Outbox) -> bool:
        """Add a watcher of the session; False, and nothing added, when its run has ended:
        its end went out before this join, and the caller must tell it."""
        if session_id in self._ended:
            return False
        self._outboxes.setdefault(session_id, set()).add(outbox)
        return True

    def leave(self, session_id: str, outbox: Outbox) -> None:
        watchers = self._outboxes.get(session_id)
        if watchers is not None:
            watchers.discard(outbox)
            if not watchers:
                del self._outboxes[session_id]
                self._streams.pop(session_id, None)

    def watchers(self, session_id: str) -> int:
        return len(self._outboxes.get(session_id, ()))

    async def wait_latest(self, session_id: str, timeout: float) -> Frame | None:
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

    def on_frames(self, record: ConsumerRecord) -> None:
        """A FrameBatch from session.frames."""
        for datum in decode_batch(self._codec, record.value)["frames"]:
            session_id = datum["sessionId"]
            if session_id in self._ended:  # its final frame, read after the view that ended it
                continue
            frame = Frame(datum["seq"], datum["lastInputSeq"], datum["frameJson"])
            self.latest[session_id] = frame
            self._index.note(session_id, frame.tick, record.offset)
            self.frames_in += 1
            event = self._first_frame.get(session_id)
            if event is not None:
                event.set()
            watchers = self._outboxes.get(session_id)
            if watchers:
                text = frame.encode()
                payload = text.encode()
                framed = text_frame(payload)
                deflated = self._deflated(session_id, watchers, payload)
                on_wire = on_stream = 0
                for outbox in watchers:
                    if outbox.push_frame(text, framed, deflated):
                        on_wire += 1
                        on_stream += deflated is not None and outbox.deflate_epoch == deflated.epoch
                self.frames_out += len(watchers)
                self.frames_on_wire += on_wire
                self.frames_deflated += on_stream

    def _deflated(self, session_id: str, watchers: set[Outbox], payload: bytes) -> DeflatedFrame | None:
        """The frame on its session's stream while a watcher can take the stream; else None,
        and the stream is let go of: nobody reads it, and a socket that can comes in at a
        fresh stream, whose first frame starts an epoch as a full flush does."""
        if not self._resync_frames or not any(outbox.takes_streams() for outbox in watchers):
            self._streams.pop(session_id, None)
            return None
        stream = self._streams.get(session_id)
        if stream is None:
            stream = self._streams[session_id] = SessionDeflate(self._resync_frames)
        return stream.frame(payload)

    def on_session_view(self, session_id: str, view: SessionView) -> None:
        """A sessions-view update: tell the watchers when the run ended."""
        if view.status != "ended" or session_id in self._ended:
            return
        self._ended.add(session_id)
        self.latest.pop(session_id, None)
        self._counts.pop(session_id, None)
        self._streams.pop(session_id, None)
        text = End(view.result).encode()
        framed = text_frame(text.encode())
        for outbox in self._outboxes.get(session_id, ()):
            tell_end(outbox, text, framed)

    def on_spectators(self, session_id: str, count: SpectatorCount) -> None:
        if session_id in self._ended:  # the seats let go of at the end: nobody is left to tell
            return
        message = Spectators(count.current, count.max)
        if self._counts.get(session_id) == message:
            return
        self._counts[session_id] = message
        text = message.encode()
        # Framed once, and straight on the wire where it can: a queued message would put
        # the socket off its session's deflate stream until the next epoch.
        framed = text_frame(text.encode())
        for outbox in self._outboxes.get(session_id, ()):
            outbox.push(text, framed)

    def held(self) -> dict[str, int]:
        """How many entries each per-session structure holds (``ended`` is bounded, not per live session)."""
        return {
            "fanout.latest": len(self.latest),
            "fanout.sockets": len(self._outboxes),
            "fanout.first_frame": len(self._first_frame),
            "fanout.counts": len(self._counts),
            "fanout.streams": len(self._streams),
            "fanout.ended": len(self._ended),
        }


def tell_end(outbox: Outbox, text: str, framed: bytes) -> None:
    """The run's end (``End``, encoded and framed) to one watcher; a spectator's socket closes after it."""
    outbox.push(text, framed)
    if outbox.close_on_end:
        outbox.close(Close.NORMAL)
