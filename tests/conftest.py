"""Fixtures shared by the suite: one real broker per run, and a running stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.kafka_support import start_test_kafka
from tests.stack import Edge, Stack


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    bootstrap, stop = start_test_kafka(tmp_path_factory.mktemp("kafka"))
    try:
        yield bootstrap
    finally:
        stop()


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One worker and one edge, shared by the tests that only need a running product."""
    running = Stack(kafka_bootstrap, tmp_path_factory.mktemp("stack"))
    try:
        running.start_worker("worker-1")
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")
def edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-1")
