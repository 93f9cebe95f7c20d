"""The worker's clock process on the real broker: it ticks what it is told, at a real-time
priority when allowed, and stops when told or when the worker is gone."""

from __future__ import annotations

import asyncio
import os

import pytest

from streams.sessions.clock import CLOCK_RT_PRIORITY, ClockProcess, ClockSettings
from tests.commands import TopicReader, fresh_topic
from tests.sessions.test_ticker import PARTITIONS, tick

pytestmark = pytest.mark.integration

EXIT_TIMEOUT_S = 30.0


def clock_for(bootstrap: str, topic: str) -> ClockProcess:
    return ClockProcess(ClockSettings(bootstrap=bootstrap, topic=topic, producer_id="t:clock", tick_rate=30))


async def test_ticks_the_partitions_it_is_told_at_real_time_priority(kafka_bootstrap: str) -> None:
    topic = await fresh_topic(kafka_bootstrap, "clock", PARTITIONS)
    clock = clock_for(kafka_bootstrap, topic)
    clock.set_partitions([1])  # told before it runs: the pipe keeps it
    clock.start()
    try:
        async with TopicReader(kafka_bootstrap, topic, "SessionCommand", PARTITIONS) as reader:
            records = await reader.until(lambda rs: len(rs) >= 5)
            assert {tick(r)["partition"] for r in records} == {1}
            assert all(r["producerId"] == "t:clock" for r in records)
            # Ticks flow, so the clock set its priority before its ticker thread started.
            if os.geteuid() == 0:
                assert os.sched_getscheduler(clock.pid) == os.SCHED_FIFO
                assert os.sched_getparam(clock.pid).sched_priority == CLOCK_RT_PRIORITY

            clock.set_partitions([0, 2])
            seen = len(records)
            records = await reader.until(lambda rs: {tick(r)["partition"] for r in rs[seen:]} >= {0, 2})
            first_new = min(tick(r)["tickNo"] for r in records[seen:] if tick(r)["partition"] != 1)
            assert all(tick(r)["tickNo"] < first_new for r in records[seen:] if tick(r)["partition"] == 1)
    finally:
        clock.stop()
    assert await asyncio.wait_for(clock.exited(), EXIT_TIMEOUT_S) == 0


async def test_stops_when_the_worker_end_of_the_pipe_closes(kafka_bootstrap: str) -> None:
    """What a worker killed with SIGKILL leaves behind: a closed pipe, and no stop message."""
    topic = await fresh_topic(kafka_bootstrap, "clock", PARTITIONS)
    clock = clock_for(kafka_bootstrap, topic)
    clock.set_partitions([0])
    clock.start()
    try:
        async with TopicReader(kafka_bootstrap, topic, "SessionCommand", PARTITIONS) as reader:
            await reader.until(lambda rs: len(rs) >= 1)
        clock._pipe.close()  # what the kernel does to the pipe of a dead worker
        assert await asyncio.wait_for(clock.exited(), EXIT_TIMEOUT_S) == 0
    finally:
        clock.stop()
