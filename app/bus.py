"""The edge's connection to Kafka: one producer for commands, the views it reads.

Every command the edge writes carries this process's producer id and a per-session
sequence, so a record the producer retried is recognised by the worker's fold; the
numbers reach the log in order (``infra.appender``). The producer id includes a random
boot id: sequences restart at 1 after a restart.

Every write is bounded (``app.kafkawait``): Kafka takes it within ``kafka_wait_s`` or
the caller gets ``KafkaUnavailable``. Stopping is bounded too: records a silent broker
never took are dropped after ``STOP_TIMEOUT_S``, so the edge stops in time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer

from app.kafkawait import within
from app.views import MaterializedView, V
from infra.aio import stop_within
from infra.appender import CommandAppender
from infra.brokerprobe import answers
from infra.kafkaclients import client_options
from schemas.codec import Codec
from schemas.records import CommandBody
from schemas.topics import (
    IDENTITY_AGENTS,
    LEADERBOARD_VIEW,
    SESSIONS_VIEW,
    SPECTATORS_VIEW,
    TopicSpec,
    view_topic,
)
from schemas.views import AgentRegistered, LeaderboardShard, SessionView, SpectatorCount

# What stopping may take per client; the edge's whole stop stays well under 10 s.
STOP_TIMEOUT_S = 2.0


class EdgeBus:
    def __init__(self, bootstrap: str, app_id: str, edge_id: str, partitions: int, kafka_wait_s: float) -> None:
        self.codec = Codec()
        self.kafka_wait_s = kafka_wait_s
        self.producer_id = f"{edge_id}:{secrets.token_hex(4)}"
        self._bootstrap = bootstrap
        self._producer = AIOKafkaProducer(
            **client_options(bootstrap),
            acks="all",
            enable_idempotence=True,
            client_id=self.producer_id,
            linger_ms=0,
        )
        self._commands = CommandAppender(self._producer, self.codec, self.producer_id)

        def view(spec: TopicSpec, read: Callable[[dict], V]) -> MaterializedView[V]:
            return MaterializedView(bootstrap, spec.name, spec.value_schema, self.codec, partitions, read)

        self.sessions = view(view_topic(app_id, SESSIONS_VIEW), SessionView.from_datum)
        self.spectators = view(view_topic(app_id, SPECTATORS_VIEW), SpectatorCount.from_datum)
        self.leaderboard = view(view_topic(app_id, LEADERBOARD_VIEW), LeaderboardShard.from_datum)
        self.agents = view(IDENTITY_AGENTS, AgentRegistered.from_datum)
        self.views: tuple[MaterializedView[Any], ...] = (self.sessions, self.spectators, self.leaderboard, self.agents)

    async def start(self) -> None:
        await self._producer.start()
        for view in self.views:
            await view.start()

    async def stop(self) -> None:
        for view in self.views:
            await stop_within(view.stop(), STOP_TIMEOUT_S, f"the view of {view.topic}")
        await stop_within(self._producer.stop(), STOP_TIMEOUT_S, "the command producer")

    @property
    def caught_up(self) -> bool:
        return all(view.caught_up.is_set() for view in self.views)

    async def reachable(self, timeout_s: float) -> bool:
        """Whether the cluster answers a metadata request within ``timeout_s``."""
        return await answers(self._producer.client, timeout_s)

    async def send_command(self, session_id: str, engine_version: int, body: CommandBody) -> None:
        """Append a command to the session's log and wait for Kafka to acknowledge it (bounded)."""

        async def appended() -> None:
            await (await self._commands.append(session_id, engine_version, body))

        await within(appended(), self.kafka_wait_s, f"{type(body).__name__} for {session_id}")

    async def publish(self, topic: str, schema: str, key: str, datum: dict, wait_s: float | None = None) -> None:
        """Write one record and wait for Kafka to acknowledge it, at most ``wait_s`` (default
        ``kafka_wait_s``)."""
        sent = self._producer.send_and_wait(topic, self.codec.encode(schema, datum), key=key.encode())
        await within(sent, wait_s or self.kafka_wait_s, f"a record for {topic}")
