"""Reading a range of one partition of a topic straight from Kafka, for replays.

The analyst's view of the log: no consumer group, no commits, just the records.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_range(bootstrap: str, topic: str, partition: int, first: int, last: int) -> list[tuple[int, bytes]]:
    """(offset, value) of every record with ``first <= offset <= last``, in order."""
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    out: list[tuple[int, bytes]] = []
    try:
        consumer.assign([tp])
        end = (await consumer.end_offsets([tp]))[tp]
        stop = min(last + 1, end)
        if first >= stop:
            return out
        consumer.seek(tp, first)
        while await consumer.position(tp) < stop:
            for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                if record.offset >= stop:
                    break
                out.append((record.offset, record.value))
    finally:
        await consumer.stop()
    return out
