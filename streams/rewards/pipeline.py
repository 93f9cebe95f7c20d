"""The rewards pipeline's Faust shell: exactly one RunOutcome per ``api`` run.

Input: session.results (RunResult) and session.snapshot-triggers (the SnapshotTriggered
records of session.commands, forwarded by the session runtime), both keyed by
sessionId and co-partitioned, so one worker sees every fact of a run on one partition
number, in one agent, one record at a time. Output: the run's RunOutcome on
rewards.outcomes, keyed by sessionId, on that same partition.

Per-run state is the pure ``ledger.Run``, kept in the ``rewards`` table (changelog).
Processing is at-least-once: after a crash, records since the last commit come again
(from the partition's start when nothing was committed yet: ``streams.rewind``).
A replayed fact is harmless by itself (the first result and trigger win); what could
go wrong is a crash after the outcome reached Kafka but before the table write saying
so did: the table would come back unpaid and the replayed trigger pay the run twice.
So the outcome topic itself is the record of what was paid:

1. To pay a run, the shell sends its outcome and waits for Kafka's acknowledgement,
   then writes the run as paid (with the outcome's offset), then the partition's mark
   (that offset + 1). Run and mark share a changelog partition (``store``), and an
   event is acked only once Kafka has acknowledged its table writes
   (``streams.durable``): a committed input implies its table writes are durable, and
   a durable mark implies the paid runs below it are.
2. On every assignment, before handling any record of a partition, the shell reads
   that partition of rewards.outcomes from the mark to its end: each outcome there
   marks its run paid (written to the table with the partition's first event, since
   a table write needs an event of its partition), and the mark moves past it.
3. At the same time it reads the partition's results and triggers itself, from the
   group's committed offsets to their ends, and folds them in with that first event
   (what Faust hands over again is then a fact the run already has). Faust does not
   always hand the agent every record after the committed offset around a rebalance:
   in 2 of 15 runs of the suite (one here, one in CI), the worker that took two
   partitions over from a killed one never handled three results lying between its
   committed offset and the next record it handled, and Faust committed past them a
   second later. Traced with extra logging (faust-streaming 0.15.3): two seeks back to
   the committed offsets overlap (the fetcher starts one when a fetch returns while
   the flow is stopped, the recovery the other); records fetched between the end of
   the first and the end of the second reach Faust's conductor but never the agent,
   and the second seek's reset of Faust's read position turns them into a "gap" that
   Faust counts as acked. Reading the range directly does not depend on any of that
   (in the traced run, the four results Faust dropped were folded by the catch-up and
   the test passed). What it does not cover is a record written after that read and
   then dropped the same way: the read starts as the recovery's seek does, so that
   window is about a tenth of a second, once per rebalance.

Only the owner of a partition pays its runs, and Faust lets in-flight events finish
and flushes the producer before a partition is revoked, so the new owner's read sees
every outcome the old one sent. The one case left is a worker that stalls past its
session timeout and then sends: fencing it needs Kafka transactions, which the product
does not rely on (DESIGN.md §1).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import faust
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from infra.kafkaclients import client_options
from infra.logreader import LogReader
from schemas.codec import Codec, CodecError
from schemas.records import SnapshotTriggered, decode_command
from streams import durable
from streams.rewards import store
from streams.rewards.ledger import Fact, OutcomeSeen, ResultIn, Run, TriggerIn, apply, due

log = logging.getLogger(__name__)

END_OF_LOG = 2**62
RETRY_S = 1.0


@dataclass
class Partition:
    """One owned partition: ready once caught up (``RewardsPipeline._catch_up``); what that read found."""

    ready: asyncio.Event = field(default_factory=asyncio.Event)
    revoked: bool = False
    found: dict[str, int] = field(default_factory=dict)  # sessionId -> outcome offset
    mark: int | None = None  # the mark to write after ``found``
    facts: list[tuple[str, Fact]] = field(default_factory=list)  # read from the committed offsets on
    task: asyncio.Task | None = None


class RewardsPipeline:
    def __init__(
        self,
        app: faust.App,
        table: faust.Table,
        outcomes: faust.TopicT,
        *,
        results: str,
        triggers: str,
        bootstrap: str,
    ) -> None:
        self.app = app
        self.table = table
        self.outcomes = outcomes
        self.results = results
        self.triggers = triggers
        self.bootstrap = bootstrap
        self.codec = Codec()
        self.owned: dict[int, Partition] = {}

    # -- ownership ---------------------------------------------------------------

    def on_revoked(self, revoked: set) -> None:
        for tp in revoked:
            if tp.topic == self.results:
                entry = self.owned.pop(tp.partition, None)
                if entry is not None:
                    if entry.task is not None:
                        entry.task.cancel()
                    entry.revoked = True
                    entry.ready.set()

    def on_assignment_ready(self) -> None:
        for tp in self.app.consumer.assignment():
            if tp.topic == self.results and tp.partition not in self.owned:
                entry = Partition()
                self.owned[tp.partition] = entry
                entry.task = asyncio.create_task(self._catch_up(tp.partition, entry), name=f"catch-up-{tp.partition}")

    def ready_partitions(self) -> list[int]:
        return [p for p, entry in self.owned.items() if entry.ready.is_set()]

    async def _catch_up(self, partition: int, entry: Partition) -> None:
        """Read what paid runs rewards.outcomes holds and the inputs since the committed offsets."""
        started = time.monotonic()
        mark = store.decode_mark(self.codec, self.table.get(store.mark_key(partition)))
        inputs = (self.results, self.triggers)
        while True:
            try:
                committed = await self._committed(partition, inputs)
                async with LogReader(self.bootstrap) as reader:
                    outcomes = await reader.read_range(self.outcomes.get_topic_name(), partition, mark, END_OF_LOG)
                    read = {
                        topic: await reader.read_range(topic, partition, committed[topic], END_OF_LOG)
                        for topic in inputs
                    }
                break
            except KafkaError as exc:
                # Paying without knowing what was paid could pay twice: wait for Kafka instead.
                log.warning("catching up on partition %d failed, retrying: %s", partition, exc)
                await asyncio.sleep(RETRY_S)
        for offset, value in outcomes:
            try:
                entry.found.setdefault(self.codec.decode("RunOutcome", value)["sessionId"], offset)
            except CodecError as exc:
                log.error("unreadable outcome at %d@%d: %s", partition, offset, exc)
        if outcomes:
            entry.mark = outcomes[-1][0] + 1
        for topic in inputs:
            for offset, value in read[topic]:
                fact = self._decode_fact(topic, partition, offset, value)
                if fact is not None:
                    entry.facts.append(fact)
        entry.ready.set()
        log.info(
            "rewards partition %d ready in %.3f s: %d outcomes read from offset %d; %d results and %d triggers "
            "from the committed offsets %d and %d",
            partition,
            time.monotonic() - started,
            len(outcomes),
            mark,
            len(read[self.results]),
            len(read[self.triggers]),
            committed[self.results],
            committed[self.triggers],
        )

    async def _committed(self, partition: int, topics: tuple[str, ...]) -> dict[str, int]:
        """The group's committed offset of ``partition`` of each topic (0 where nothing is committed)."""
        tps = [TopicPartition(topic, partition) for topic in topics]
        admin = AIOKafkaAdminClient(**client_options(self.bootstrap))
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self.app.conf.id, partitions=tps)
        finally:
            await admin.close()
        return {tp.topic: max(offsets[tp].offset, 0) if tp in offsets else 0 for tp in tps}

    # -- handling ----------------------------------------------------------------

    async def on_event(self, event: faust.EventT) -> list[asyncio.Future]:
        """Handle one fact; returns the futures of the table writes it made (see ``streams.durable``)."""
        message = event.message
        partition = message.partition
        entry = self.owned.get(partition)
        if entry is None:
            return []  # not ours (any more): the owner handles it
        await entry.ready.wait()
        if entry.revoked:
            return []
        writes = self._record_found(partition, entry) if entry.mark is not None else []
        while entry.facts:
            writes += await self._fold(partition, *entry.facts.pop(0))
        fact = self._decode_fact(message.topic, partition, message.offset, message.value)
        if fact is not None:
            writes += await self._fold(partition, *fact)
        return writes

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
        return durable.write(self.table, partition, key, value)

    def _decode_fact(self, topic: str, partition: int, offset: int, value: bytes) -> tuple[str, Fact] | None:
        try:
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

    def _record_found(self, partition: int, entry: Partition) -> list[asyncio.Future]:
        """Write what the read of rewards.outcomes found, then move the mark past it."""
        writes = []
        for session_id, offset in entry.found.items():
            key = store.run_key(session_id)
            before = store.decode_run(self.codec, session_id, self.table.get(key))
            if not before.paid:
                writes.append(
                    self._write(partition, key, store.encode_run(self.codec, apply(before, OutcomeSeen(offset))))
                )
        assert entry.mark is not None
        writes.append(
            self._write(partition, store.mark_key(partition), store.encode_mark(self.codec, partition, entry.mark))
        )
        entry.found.clear()
        entry.mark = None
        return writes
