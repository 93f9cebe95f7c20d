"""The rewards pipeline's Faust shell: exactly one RunOutcome per ``api`` run.

Input: session.results (RunResult) and session.snapshot-triggers (the SnapshotTriggered
records of session.commands, forwarded by the session runtime), both keyed by
sessionId and co-partitioned, so one worker sees every fact of a run on one partition
number, in one agent, one record at a time. Output: the run's RunOutcome on
rewards.outcomes, keyed by sessionId, on that same partition.

Per-run state is the pure ``ledger.Run``, kept in the ``rewards`` table (changelog).
Processing is at-least-once, with Faust's gaps closed by ``streams.gaps``: after a
crash, records since the last commit come again, and at every assignment the
partition's results and triggers since the committed offsets are read from Kafka and
folded in with its first event. A replayed fact is harmless by itself (the first result
and trigger win); what could go wrong is a crash after the outcome reached Kafka but
before the table write saying so did: the table would come back unpaid and the replayed
trigger pay the run twice. So the outcome topic itself is the record of what was paid:

1. To pay a run, the shell sends its outcome and waits for Kafka's acknowledgement,
   then writes the run as paid (with the outcome's offset), then the partition's mark
   (that offset + 1). Run and mark share a changelog partition (``store``), and an
   event is acked only once Kafka has acknowledged its table writes
   (``streams.gaps.acks``): a committed input implies its table writes are durable,
   and a durable mark implies the paid runs below it are.
2. On every assignment, in the same read as the results and triggers
   (``streams.gaps.catchup``), the partition of rewards.outcomes is read from the mark
   to its end: with the partition's first event, each outcome there marks its run paid
   and the mark moves past it, before any fact is folded.

Only the owner of a partition pays its runs, and Faust lets in-flight events finish
and flushes the producer before a partition is revoked, so the new owner's read sees
every outcome the old one sent. The one case left is a worker that stalls past its
session timeout and then sends: fencing it needs Kafka transactions, which the product
does not rely on (DESIGN.md §1).
"""

from __future__ import annotations

import asyncio
import logging

import faust

from schemas.codec import Codec, CodecError
from schemas.records import SnapshotTriggered, decode_command
from streams.gaps import acks
from streams.gaps.catchup import CatchUp
from streams.rewards import store
from streams.rewards.ledger import Fact, OutcomeSeen, ResultIn, Run, TriggerIn, apply, due

log = logging.getLogger(__name__)


class RewardsPipeline:
    def __init__(
        self,
        app: faust.App,
        table: faust.types.TableT,
        outcomes: faust.TopicT,
        *,
        results: str,
        triggers: str,
        bootstrap: str,
    ) -> None:
        self.table = table
        self.outcomes = outcomes
        self.results = results
        self.codec = Codec()
        self.catch_up = CatchUp(app, bootstrap, (results, triggers), since=self._outcomes_since)

    def _outcomes_since(self, partition: int) -> dict[str, int]:
        """rewards.outcomes is read from the partition's mark: the outcomes below it are in the table."""
        mark = store.decode_mark(self.codec, self.table.get(store.mark_key(partition)))
        return {self.outcomes.get_topic_name(): mark}

    async def on_event(self, event: faust.EventT) -> list[asyncio.Future]:
        """Handle one fact; returns the futures of the table writes it made (see ``streams.gaps.acks``)."""
        message = event.message
        partition = message.partition
        backlog = await self.catch_up.backlog(partition)
        if backlog is None:
            return []  # not ours (any more): the owner handles it
        writes = self._record_paid(partition, backlog.get(self.outcomes.get_topic_name(), []))
        for topic in self.catch_up.topics:
            for offset, value in backlog.get(topic, []):
                writes += await self._fold_record(topic, partition, offset, value)
        return writes + await self._fold_record(message.topic, partition, message.offset, message.value)

    async def _fold_record(self, topic: str, partition: int, offset: int, value: bytes | None) -> list[asyncio.Future]:
        fact = self._decode_fact(topic, partition, offset, value)
        return [] if fact is None else await self._fold(partition, *fact)

    async def _fold(self, partition: int, session_id: str, fact: Fact) -> list[asyncio.Future]:
        """Fold one fact into its run, paying the run if that makes it due; returns the table writes."""
        before = store.decode_run(self.codec, session_id, self.table.get(store.run_key(session_id)))
        run = apply(before, fact)
        if run == before:
            return []  # a fact the run already had: nothing changes, nothing to write
        outcome = due(run)
        if outcome is not None:
            run = await self._pay(partition, run, outcome)
        writes = [self._write(partition, store.run_key(session_id), store.encode_run(self.codec, run))]
        if run.outcome_offset is not None and not before.paid:
            mark = store.encode_mark(self.codec, partition, run.outcome_offset + 1)
            writes.append(self._write(partition, store.mark_key(partition), mark))
        return writes

    def _write(self, partition: int, key: bytes, value: bytes) -> asyncio.Future:
        return acks.write(self.table, partition, key, value)

    def _decode_fact(self, topic: str, partition: int, offset: int, value: bytes | None) -> tuple[str, Fact] | None:
        try:
            if value is None:
                raise CodecError("a record without a value")
            if topic == self.results:
                result = self.codec.decode("RunResult", value)
                return result["sessionId"], ResultIn(result)
            command = decode_command(self.codec, value)
        except CodecError as exc:
            log.error("skipping unreadable %s record at %d@%d: %s", topic, partition, offset, exc)
            return None
        if type(command.body) is SnapshotTriggered:
            return command.sessionId, TriggerIn(command.body.requestId)
        return None

    async def _pay(self, partition: int, run: Run, outcome: dict) -> Run:
        sent = await self.outcomes.send(
            key=run.session_id.encode(), value=self.codec.encode("RunOutcome", outcome), partition=partition
        )
        metadata = await sent  # acknowledged by Kafka before the table may say "paid"
        log.info(
            "paid %s: %d (%s) at %d@%d", run.session_id, outcome["reward"], outcome["rule"], partition, metadata.offset
        )
        return apply(run, OutcomeSeen(metadata.offset))

    def _record_paid(self, partition: int, outcomes: list[tuple[int, bytes]]) -> list[asyncio.Future]:
        """Write the runs of the outcomes read from the mark on as paid, then move the mark past them."""
        if not outcomes:
            return []
        found: dict[str, int] = {}  # sessionId -> its first outcome's offset
        for offset, value in outcomes:
            try:
                found.setdefault(self.codec.decode("RunOutcome", value)["sessionId"], offset)
            except CodecError as exc:
                log.error("unreadable outcome at %d@%d: %s", partition, offset, exc)
        writes = []
        for session_id, offset in found.items():
            key = store.run_key(session_id)
            before = store.decode_run(self.codec, session_id, self.table.get(key))
            if not before.paid:
                writes.append(
                    self._write(partition, key, store.encode_run(self.codec, apply(before, OutcomeSeen(offset))))
                )
        mark = store.encode_mark(self.codec, partition, outcomes[-1][0] + 1)
        writes.append(self._write(partition, store.mark_key(partition), mark))
        return writes
