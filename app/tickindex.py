"""Where a running session's frames lie on session.frames, sparsely: a page of a live
run's frames (a viewer rewinding) seeks to a mark at or before its first tick and reads
forward, instead of reading the run from its start.

The fan-out notes each frame as it follows session.frames; a mark (tick, offset in the
session's partition) is kept when the tick is at least ``STRIDE`` past the last one, so
a page reads at most about ``STRIDE`` partition ticks before its first frame. Only
sessions opened are noted: a session is opened when the sessions view shows it waiting
or live, and released when the view shows it ended, so the index holds running sessions
only. A run with more than ``MARKS`` marks keeps every other one (its stride doubles):
no session's list grows past ``MARKS``. Ticks before the first mark (frames published
before this edge started) are not indexed; the caller finds them by time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from schemas.views import SessionView

STRIDE = 150  # 5 s at 30 Hz
MARKS = 256  # 21 minutes at the first stride: a ten-minute run never thins


@dataclass(slots=True)
class _Marks:
    stride: int
    ticks: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)


class TickIndex:
    def __init__(self, stride: int = STRIDE, marks: int = MARKS) -> None:
        self._stride = stride
        self._max = marks
        self._sessions: dict[str, _Marks] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def on_session_view(self, session_id: str, view: SessionView) -> None:
        if view.status == "ended":
            self._sessions.pop(session_id, None)
        elif session_id not in self._sessions:
            self._sessions[session_id] = _Marks(self._stride)

    def note(self, session_id: str, tick: int, offset: int) -> None:
        """A frame of ``session_id`` at ``tick`` lies at ``offset`` (called for every frame: cheap)."""
        marks = self._sessions.get(session_id)
        if marks is None or (marks.ticks and tick < marks.ticks[-1] + marks.stride):
            return
        marks.ticks.append(tick)
        marks.offsets.append(offset)
        if len(marks.ticks) > self._max:
            del marks.ticks[1::2], marks.offsets[1::2]
            marks.stride *= 2

    def seek(self, session_id: str, tick: int) -> int | None:
        """The offset of the last mark at or before ``tick``, or None (not indexed that early)."""
        marks = self._sessions.get(session_id)
        if marks is None:
            return None
        at = bisect.bisect_right(marks.ticks, tick)
        return marks.offsets[at - 1] if at else None
