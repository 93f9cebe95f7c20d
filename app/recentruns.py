"""The last ended ``api`` runs of each game, kept as the edge follows the sessions view.

The edge already reads every session's view from its changelog (app.views); this keeps,
per game, the newest ``KEPT`` ended api runs by end time as the views go by, so a page of
recent runs costs a slice of a short list, never a scan of every session ever made.
Memory is bounded (``KEPT`` per game); a run that ended is listed once, however often its
view is published again. Practice runs are never kept.
"""

from __future__ import annotations

import bisect

from schemas.views import RunResult, SessionView

KEPT = 200  # per game: the deepest page a client can ask for


class RecentRuns:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._games: dict[str, list[tuple[int, str, RunResult]]] = {}  # oldest first

    def on_session_view(self, _key: str, view: SessionView) -> None:
        result = view.result
        if view.mode != "api" or result is None:
            return
        runs = self._games.setdefault(view.game, [])
        entry = (result["endedAtMs"], view.sessionId, result)
        at = bisect.bisect_left(runs, entry[:2], key=lambda run: run[:2])
        if at < len(runs) and runs[at][1] == view.sessionId:
            return  # listed already
        runs.insert(at, entry)
        if len(runs) > self._kept:
            del runs[0]

    def page(self, game: str, offset: int, limit: int) -> tuple[list[RunResult], int]:
        """Newest first: ``limit`` runs from ``offset``, and how many are kept in all."""
        runs = self._games.get(game, [])
        newest = len(runs) - offset
        return [result for _, _, result in reversed(runs[max(0, newest - limit) : max(0, newest)])], len(runs)
