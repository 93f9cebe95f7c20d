"""Reading ranges of partitions straight from Kafka, for replays and exports.

The analyst's view of the log: no consumer group, no commits, just the records. A
``LogReader`` keeps one unattached consumer for many reads (replaying every run
reads hundreds of ranges); ``read_range`` is the one-off form. The consumer is stopped on every way out, a
failed start included (a broker that cannot be reached).

Records come in chunks of at most ``CHUNK`` so a caller on a shared event loop (the
edge) decodes a bounded amount between two awaits.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from infra.kafkaclients import client_options

CHUNK = 256
FETCH_BYTES = 16 * 1024 * 1024


class LogReader:
    def __init__(self, bootstrap: str) -> None:
        # A short fetch wait: each read ends at a known offset, and a replay does hundreds.
        # Large fetches: the consumer asks for more only once it has handed out what it
        # holds, so each fetch is a round trip the reader waits for (a run's FrameBatches
        # are megabytes). A position before the log start (retention) moves to the start.
        self._consumer = AIOKafkaConsumer(
            **client_options(bootstrap), enable_auto_commit=False, fetch_max_wait_ms=10,
            max_partition_fetch_bytes=FETCH_BYTES, auto_offset_reset="earliest",
        )  # fmt: skip
        self._ends: dict[TopicPartition, int] = {}

    async def __aenter__(self) -> LogReader:
        try:
            await self._consumer.start()
        except BaseException:
            # A consumer whose start failed holds a client and tasks all the same.
            await self._consumer.stop()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def end_offset(self, topic: str, partition: int) -> int:
        tp = TopicPartition(topic, partition)
        return (await self._consumer.end_offsets([tp]))[tp]

    async def offset_at(self, topic: str, partition: int, timestamp_ms: int) -> int:
        """The first offset whose timestamp is at or after ``timestamp_ms`` (the end if none)."""
        tp = TopicPartition(topic, partition)
        # Assigned first, so the client knows the partition's leader: asking about a topic
        # the consumer does not read costs a metadata miss and a 100 ms retry backoff.
        self._consumer.assign([tp])
        found = (await self._consumer.offsets_for_times({tp: max(0, timestamp_ms)}))[tp]
        return found.offset if found is not None else await self.end_offset(topic, partition)

    async def chunks(self, topic: str, partition: int, first: int, stop: int) -> AsyncGenerator[list[ConsumerRecord]]:
        """The records with ``first <= offset < stop`` in offset order, a chunk at a time.

        ``stop`` is clamped to the partition's end; records before the log start
        (deleted by retention) are skipped.
        """
        tp = TopicPartition(topic, partition)
        consumer = self._consumer
        consumer.assign([tp])
        consumer.seek(tp, first)
        while (position := await consumer.position(tp)) < stop:
            if position >= self._ends.get(tp, 0):
                # Logs only grow: the end is asked again only once reading reaches it.
                self._ends[tp] = await self.end_offset(topic, partition)
                if position >= self._ends[tp]:
                    return
            records = (await consumer.getmany(tp, timeout_ms=1000, max_records=CHUNK)).get(tp, [])
            chunk = [record for record in records if record.offset < stop]
            if chunk:
                yield chunk
            if len(chunk) < len(records):
                return

    async def read_range(self, topic: str, partition: int, first: int, last: int) -> list[tuple[int, bytes]]:
        """(offset, value) of every record with ``first <= offset <= last``, in order."""
        return [
            (record.offset, record.value)
            async for chunk in self.chunks(topic, partition, first, last + 1)
            for record in chunk
        ]


async def read_range(bootstrap: str, topic: str, partition: int, first: int, last: int) -> list[tuple[int, bytes]]:
    """(offset, value) of every record with ``first <= offset <= last``, in order."""
    async with LogReader(bootstrap) as reader:
        return await reader.read_range(topic, partition, first, last)
