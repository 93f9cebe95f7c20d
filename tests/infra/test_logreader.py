"""A LogReader whose broker cannot be reached raises, and leaves no Kafka client open."""

from __future__ import annotations

import gc
import warnings

import pytest
from aiokafka.errors import KafkaConnectionError

from infra.localkafka import free_port
from infra.logreader import LogReader


async def test_a_reader_that_cannot_start_closes_its_consumer() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KafkaConnectionError):
            async with LogReader(f"127.0.0.1:{free_port()}"):
                pytest.fail("a reader without a broker must not start")
        gc.collect()  # an unclosed consumer says so when it is collected
    assert [str(w.message) for w in caught if "Unclosed" in str(w.message)] == []
