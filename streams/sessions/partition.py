"""The fold of one partition of session.commands: every active session it carries.

A ``Tick`` advances every active session of the partition; any other record goes to
its session. The runtime keeps one ``PartitionFold`` per owned partition, and the
replay tool folds a partition the same way offline.

Invariant: ``applied_offset`` is the highest offset folded; lower records are skipped.
Sessions leave ``sessions`` when they end; a short memory of ended ids lets a late
seat request or occupancy be told the session ended rather than that it never existed.
"""

from __future__ import annotations

from infra.recent import RecentKeys
from schemas.records import SeatOccupied, SeatRequested, SessionCommand, SessionOpened, Tick
from streams.sessions.fold import Effects, apply, open_session, tick
from streams.sessions.model import SessionState
from streams.sessions.seating import SESSION_ENDED, SESSION_NOT_FOUND, refusal

ENDED_MEMORY = 10_000


class PartitionFold:
    def __init__(
        self,
        partition: int,
        sessions: dict[str, SessionState] | None = None,
        applied_offset: int = -1,
        last_tick_no: int = 0,
    ) -> None:
        self.partition = partition
        self.sessions: dict[str, SessionState] = sessions or {}
        self.applied_offset = applied_offset
        self.last_tick_no = last_tick_no
        self.recently_ended = RecentKeys(ENDED_MEMORY)

    def apply(self, command: SessionCommand, offset: int, effects: Effects) -> list[SessionState]:
        """Fold one record; returns the sessions it ended (already out of ``sessions``)."""
        if offset <= self.applied_offset:
            return []
        self.applied_offset = offset
        results_before = len(effects.results)
        body = command.body
        if type(body) is Tick:
            # Each session skips ticks numbered at or below its last one (a late tick of
            # the partition's previous owner) by itself, so that a session folded alone
            # from its first record, as a replay does, decides exactly the same.
            self.last_tick_no = max(self.last_tick_no, body.tickNo)
            for state in self.sessions.values():
                tick(state, command, body, offset, effects)
        else:
            session = self.sessions.get(command.sessionId)
            if session is None:
                self._unknown_session(command, offset, effects)
                return []
            apply(session, command, offset, effects)
        # Every run that ends publishes exactly one result: those name the ended sessions.
        return [self._remove(result["sessionId"]) for result in effects.results[results_before:]]

    def _unknown_session(self, command: SessionCommand, offset: int, effects: Effects) -> None:
        body = command.body
        if type(body) is SessionOpened:
            if command.sessionId in self.recently_ended:
                return
            state = open_session(command, body, offset, self.partition)
            if state is not None:
                self.sessions[command.sessionId] = state
                effects.changed.add(command.sessionId)
        elif type(body) is SeatRequested or (type(body) is SeatOccupied and body.requestId):
            code = SESSION_ENDED if command.sessionId in self.recently_ended else SESSION_NOT_FOUND
            effects.decisions.append(refusal(command, body.requestId, code))

    def _remove(self, session_id: str) -> SessionState:
        state = self.sessions.pop(session_id)
        self.recently_ended.add(session_id)
        return state
