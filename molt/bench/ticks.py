"""When the Tick records of a time window were produced, read back from session.commands.

A Tick's Kafka timestamp is its CreateTime: the wall clock (ms, truncated) of the
worker's producer when the record was appended to its batch, before any linger or
network time. Its ``scheduledAtUs`` is when the tick was due. Both come from the same
machine's clock when the broker runs beside the worker.

Ticks are told apart from session commands by their empty key, so only they are
decoded. Each producer's ticks are kept apart: more than one ticker on these topics
means another consumer group folds them too, and their figures would mix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from infra.kafkaclients import client_options
from schemas.codec import Codec
from schemas.records import Tick, decode_command
from schemas.topics import SESSION_COMMANDS

# Records are looked up from this long before the window: CreateTime is not the order
# of the log, and a late tick may carry an early schedule.
LOOKBACK_MS = 2_000


@dataclass(frozen=True, slots=True)
class TickTime:
    partition: int
    tick_no: int
    scheduled_us: int
    created_ms: int


async def tick_times(bootstrap: str, partitions: int, start_us: int, end_us: int) -> dict[str, list[TickTime]]:
    """Per producer id, the ticks scheduled in ``[start_us, end_us)``, as the log holds them now."""
    codec = Codec()
    tps = [TopicPartition(SESSION_COMMANDS.name, p) for p in range(partitions)]
    consumer = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
    await consumer.start()
    found: defaultdict[str, list[TickTime]] = defaultdict(list)
    try:
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.offsets_for_times(dict.fromkeys(tps, start_us // 1000 - LOOKBACK_MS))
        reading = {tp for tp in tps if starts[tp] is not None and starts[tp].offset < ends[tp]}
        for tp in reading:
            consumer.seek(tp, starts[tp].offset)
        while reading:
            for tp, records in (await consumer.getmany(*reading, timeout_ms=1000)).items():
                for record in records:
                    if record.offset >= ends[tp]:
                        break
                    if record.key:
                        continue  # a session's command, not a tick
                    command = decode_command(codec, record.value)
                    body = command.body
                    if type(body) is Tick and start_us <= body.scheduledAtUs < end_us:
                        found[command.producerId].append(
                            TickTime(body.partition, body.tickNo, body.scheduledAtUs, record.timestamp)
                        )
                if await consumer.position(tp) >= ends[tp]:
                    reading.discard(tp)
    finally:
        await consumer.stop()
    return dict(found)
