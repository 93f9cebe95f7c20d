"""The table-turn queue: a partition's table writes, held until Faust lets them happen.

Faust writes a table only inside an event of the table's partition, and the runtime
folds outside any event. So each owned partition queues its writes (``TableQueue``)
and asks for a turn: a ``TableTurn`` record on its partition of the worker's turns
topic, whose agent calls ``take`` in that event's context.

Invariants: the queued writes are written in the order queued, so a checkpoint's
marker follows the states it names; a partition asks for one turn at a time. Views
are queued as sessions and written as they stand at the turn: a session opened,
joined and ended before its turn is one view record, not three, and its spectator
count is written only when the count or the capacity changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import faust

from schemas.codec import Codec
from streams.sessions.checkpoint import state_to_datum
from streams.sessions.fold import spectators_datum, view_datum
from streams.sessions.model import SessionState
from streams.sessions.partition import PartitionFold
from streams.sessions.wiring import RuntimeTables, RuntimeTopics


@dataclass
class TableQueue:
    """One partition's table writes awaiting its turn."""

    writes: list[tuple[faust.types.TableT, bytes, bytes]] = field(default_factory=list)
    # Sessions whose views are to be written at the next turn, as they stand then.
    views_due: dict[str, SessionState] = field(default_factory=dict)
    # (current, max) of each active session's spectator count as last written.
    spectators_written: dict[str, tuple[int, int]] = field(default_factory=dict)
    turn_requested: bool = False
    turns: int = 0


class TableTurns:
    """Queues the table writes of the runtime's partitions, and writes them in their turns."""

    def __init__(self, topics: RuntimeTopics, tables: RuntimeTables, codec: Codec) -> None:
        self.topics = topics
        self.tables = tables
        self.codec = codec

    def queue_state(self, queue: TableQueue, state: SessionState) -> None:
        # Encoded now: the fold goes on changing the state before the turn.
        value = self.codec.encode("SessionState", state_to_datum(state))
        queue.writes.append((self.tables.state, state.session_id.encode(), value))

    def queue_checkpoint(self, queue: TableQueue, fold: PartitionFold, tick_no: int, offset: int) -> None:
        """Every active session's state, then the marker naming them and the offset folded."""
        for state in fold.sessions.values():
            self.queue_state(queue, state)
        marker = {
            "partition": fold.partition,
            "engineVersion": 0,
            "seq": tick_no,
            "offset": offset,
            "activeSessions": list(fold.sessions),
        }
        value = self.codec.encode("PartitionCheckpoint", marker)
        queue.writes.append((self.tables.checkpoints, str(fold.partition).encode(), value))

    def queue_views(self, queue: TableQueue, state: SessionState) -> None:
        queue.views_due[state.session_id] = state

    async def request(self, queue: TableQueue, partition: int) -> None:
        """Ask for the partition's turn if it has writes queued and none is asked for yet."""
        if (queue.writes or queue.views_due) and not queue.turn_requested:
            queue.turn_requested = True
            queue.turns += 1
            turn = {"partition": partition, "turn": queue.turns}
            await self.topics.turns.send(value=self.codec.encode("TableTurn", turn), partition=partition)

    def take(self, queue: TableQueue) -> None:
        """In the context of a turns-topic event of the queue's partition: write what it holds."""
        writes, queue.writes = queue.writes, []
        views, queue.views_due = queue.views_due, {}
        queue.turn_requested = False
        for table, key, value in writes:
            table[key] = value
        for state in views.values():
            self._write_views(queue, state)

    def _write_views(self, queue: TableQueue, state: SessionState) -> None:
        """The session's view, and its spectator count if that changed."""
        key = state.session_id.encode()
        self.tables.sessions[key] = self.codec.encode("SessionView", view_datum(state))
        count = (len(state.seats), state.spectators_max)
        if queue.spectators_written.get(state.session_id) != count:
            self.tables.spectators[key] = self.codec.encode("SpectatorCount", spectators_datum(state))
            queue.spectators_written[state.session_id] = count
        if not state.active:
            queue.spectators_written.pop(state.session_id, None)  # never written again
