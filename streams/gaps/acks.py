"""Acks an agent's events once their table writes are durable, in offset order per partition.

The rewards pipeline and the leaderboard fold an input topic into a table and rely on
"a committed input implies its table writes are in Kafka": after a crash, the input
comes again from the committed offset and nothing else brings back a lost write. Faust
does not promise that (gaps 1 and 2 in ``streams.gaps``), so these agents ack an event
themselves: ``write`` does what ``table[key] = value`` does and keeps the changelog
send's future, and ``DurableAcks`` acks the event when those futures are done. The agent
does not wait meanwhile: the next event is handled while the previous one's writes are
in flight.

Acks go out in offset order within a partition: an event waits for the acks of the
partition's earlier events, even one that made no write, since Faust may commit past an
offset still in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import cast

import faust
from faust.types import EventT

log = logging.getLogger(__name__)

Handler = Callable[[EventT], Awaitable[Sequence[asyncio.Future]]]


def write(table: faust.types.TableT, partition: int, key: bytes, value: bytes) -> asyncio.Future:
    """``table[key] = value`` for an event of ``partition``; returns the changelog send's future.

    ``Table.__setitem__`` sends the changelog record and drops the future that says
    when Kafka has it; this keeps it. (Tables here use neither key TTLs nor sensors,
    the other two things ``__setitem__`` does.)
    """
    sent = table.send_changelog(partition, key, value)
    table.data[key] = value
    return sent


class DurableAcks:
    """Acks each event of an agent's stream once the table writes made for it are durable."""

    def __init__(self, app: faust.App, name: str) -> None:
        self.app = app
        self.name = name
        # Per (topic, partition), the ack of its latest event still waiting: the next waits for it.
        self._latest: dict[tuple[str, int], asyncio.Task[bool]] = {}

    async def consume(self, stream: faust.StreamT, handle: Handler) -> None:
        """Hand every event of ``stream`` to ``handle``, which returns its table writes' futures."""
        manual = cast(faust.Stream, stream).noack()  # StreamT does not declare noack
        async for event in manual.events():
            writes = await handle(event)
            key = (event.message.topic, event.message.partition)
            earlier = self._latest.get(key)
            if not writes and earlier is None:
                await manual.ack(event)
                continue
            task = asyncio.create_task(self._ack_in_order(manual, event, writes, earlier))
            self._latest[key] = task  # also keeps the task from being collected
            task.add_done_callback(partial(self._forget, key))

    async def settled(self) -> None:
        """Wait until every event handled so far is acked, or known never to be."""
        while self._latest:
            await asyncio.wait(list(self._latest.values()))

    def _forget(self, key: tuple[str, int], done: asyncio.Task[bool]) -> None:
        if self._latest.get(key) is done:
            del self._latest[key]

    async def _ack_in_order(
        self, stream: faust.StreamT, event: EventT, writes: Sequence[asyncio.Future], earlier: asyncio.Task[bool] | None
    ) -> bool:
        """Ack ``event`` once its writes are durable and the partition's earlier event is acked."""
        try:
            await asyncio.gather(*writes)
        except Exception as exc:
            # The event stays unacked, so its offset is never committed: the worker
            # stops and the partition's next owner handles the event again.
            message = event.message
            log.error(
                "%s: a table write for %s %d@%d failed: %r",
                self.name,
                message.topic,
                message.partition,
                message.offset,
                exc,
            )
            await self.app.crash(exc)
            return False
        if earlier is not None and not await earlier:
            return False  # an earlier event stays unacked: so does this one
        await stream.ack(event)
        return True
