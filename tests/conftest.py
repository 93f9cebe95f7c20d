"""Fixtures shared by the suite: one real broker and one schema registry per run, and a running stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.localkafka import start_scratch_kafka
from infra.localregistry import start_scratch_registry
from infra.schemaregistry import lookup_ids
from infra.settings import SchemaRegistrySettings
from molt.stack import Edge, Stack
from schemas.framing import use_schema_ids

# Few partitions: workers start, recover and rebalance them quickly.
TEST_PARTITIONS = 4


def _needs_services(item: pytest.Item) -> bool:
    return item.get_closest_marker("integration") is not None or "kafka_bootstrap" in getattr(item, "fixturenames", ())


@pytest.fixture(scope="session", autouse=True)
def schema_registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """The URL of the run's schema registry, started once when any test to run needs
    Kafka (an integration test, or one using the suite's broker), and named to every
    process the tests start (MOLT_SCHEMA_REGISTRY_URL): workers, edges, commands and
    benches all register with it and read through it. None otherwise: no Java needed."""
    if not any(_needs_services(item) for item in request.session.items):
        yield None
        return
    url, stop = start_scratch_registry(tmp_path_factory.mktemp("registry"))
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MOLT_SCHEMA_REGISTRY_URL", url)
            # The tests' own readers resolve the ids the processes wrote with; the tests'
            # own writers keep the single-object encoding (no current ids): both are read.
            use_schema_ids(lookup_ids(SchemaRegistrySettings(url=url)))
            yield url
    finally:
        use_schema_ids(None)
        stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    bootstrap, stop = start_scratch_kafka(tmp_path_factory.mktemp("kafka"))
    try:
        yield bootstrap
    finally:
        stop()


@pytest.fixture(scope="session")
def topic_partitions() -> int:
    """The partition count of the suite's topics: every process on its broker must use it."""
    return TEST_PARTITIONS


def stack_with_a_worker(bootstrap: str, root: Path, partitions: int) -> Iterator[Stack]:
    """A fixture's stack on ``bootstrap`` with one worker running, closed at the fixture's end."""
    running = Stack(bootstrap, root, partitions)
    try:
        running.start_worker("worker-1")
        yield running
    finally:
        running.close()


# Some tests fill a session with tokens no socket claims, then go on through steps a
# loaded machine may take long over: those seats must not lapse meanwhile. The claim
# window itself is tested on edges of its own (tests/app/test_seat_ownership.py).
# Every test is one client address: the quotas are tested on an edge of their own
# (tests/app/test_quotas.py, test_socket_limits.py), not spent by the suite's
# registrations, sign-ins and sockets.
SHARED_EDGE_ENV = {
    "MOLT_EDGE_SEAT_CLAIM_S": "120",
    "MOLT_EDGE_AGENT_REGISTER_BURST": "100000",
    "MOLT_EDGE_SIGN_IN_BURST": "100000",
    "MOLT_EDGE_MAX_SOCKETS_PER_CLIENT": "100000",
}


@pytest.fixture(scope="session")
def stack(kafka_bootstrap: str, topic_partitions: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One worker and one edge, shared by the tests that only need a running product."""
    yield from stack_with_a_worker(kafka_bootstrap, tmp_path_factory.mktemp("stack"), topic_partitions)


@pytest.fixture(scope="session")
def edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-1", env=SHARED_EDGE_ENV)
