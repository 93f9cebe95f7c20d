"""Folding one session offline from its partition's records, as a replay does.

The records are those of the session's partition in offset order, from its
SessionOpened on; the fold keeps the session's own records and every Tick. Because a
session's decisions depend on nothing else (see PartitionFold), the outcome equals
what the runtime decided, frame for frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.records import SessionCommand, Tick
from streams.sessions.fold import Effects
from streams.sessions.model import SessionState
from streams.sessions.partition import PartitionFold


@dataclass
class OfflineRun:
    state: SessionState | None  # None when the records never opened the session
    frames: list[dict]  # SessionFrame datums, in tick order
    results: list[dict]  # RunResult datums (one once the run ended)


def fold_session(session_id: str, partition: int, records: Iterable[tuple[int, SessionCommand]]) -> OfflineRun:
    fold = PartitionFold(partition)
    effects = Effects()
    final: SessionState | None = None
    for offset, command in records:
        if command.sessionId != session_id and type(command.body) is not Tick:
            continue
        for ended in fold.apply(command, offset, effects):
            final = ended
        if final is not None:
            break
    state = final or fold.sessions.get(session_id)
    frames = [f for f in effects.frames if f["sessionId"] == session_id]
    return OfflineRun(state, frames, effects.results)
