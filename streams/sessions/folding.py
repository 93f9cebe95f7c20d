"""The fold shell: one record of session.commands, as read, through its partition's fold.

``RecordFolder.fold`` decodes the record, folds it (``PartitionFold.apply``) and sorts
what it asks for: what to publish into the ``Outbox``, table writes into the
partition's ``TableQueue`` (the state of each run that ended, the views of each
session that changed, and the partition's checkpoint on its ticks).

Invariants: a record at or below the fold's ``applied_offset`` changes nothing, and an
unreadable one is skipped (logged) rather than stalling every session of its
partition; frames are built only for ``live`` records (a re-fold of the past sends
none). A checkpoint falls every ``checkpoint_ticks`` ticks, partitions taking turns so
that their checkpoints do not all fall on one tick.
"""

from __future__ import annotations

import logging

from schemas.codec import Codec, CodecError
from schemas.records import SessionCommand, SnapshotTriggered, Tick, decode_command
from streams.sessions.fold import Effects
from streams.sessions.partition import PartitionFold
from streams.sessions.publishing import Outbox
from streams.sessions.turns import TableQueue, TableTurns

log = logging.getLogger(__name__)


class RecordFolder:
    def __init__(self, codec: Codec, turns: TableTurns, checkpoint_ticks: int) -> None:
        self.codec = codec
        self.turns = turns
        self.checkpoint_ticks = checkpoint_ticks

    def fold(
        self, queue: TableQueue, fold: PartitionFold, value: bytes, offset: int, outbox: Outbox, *, live: bool
    ) -> None:
        """Fold one record of the partition; what to publish goes to ``outbox``, table writes to ``queue``."""
        if offset <= fold.applied_offset:
            return  # folded already (a checkpoint's records, or a redelivery)
        command = self._decode(value, fold.partition, offset)
        if command is None:
            fold.applied_offset = offset
            return
        effects = Effects(want_frames=live)
        ended = fold.apply(command, offset, effects)
        body = command.body
        if type(body) is Tick:
            if effects.frames:
                outbox.frames.append((body, effects.frames))
            if body.tickNo % self.checkpoint_ticks == fold.partition % self.checkpoint_ticks:
                self.turns.queue_checkpoint(queue, fold, body.tickNo, offset)
        if type(body) is SnapshotTriggered:
            # Forwarded whatever the session's state (re-folds forward again: the
            # rewards pipeline pays a run once however often it hears of a trigger).
            outbox.triggers.append((command.sessionId, value))
        for state in ended:
            outbox.results.append(state)
            self.turns.queue_state(queue, state)
        outbox.decisions.extend(effects.decisions)
        for session_id in effects.changed:
            changed = fold.sessions.get(session_id) or next((s for s in ended if s.session_id == session_id), None)
            if changed is not None:
                self.turns.queue_views(queue, changed)

    def _decode(self, value: bytes, partition: int, offset: int) -> SessionCommand | None:
        try:
            return decode_command(self.codec, value)
        except CodecError as exc:
            log.error("skipping unreadable command at %d@%d: %s", partition, offset, exc)
            return None
