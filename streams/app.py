"""Builds the Faust app of a worker process from settings.

Nothing is built at import time: ``create_app(worker, kafka, topics)`` returns a
ready app with its topics, tables and agents, so tests and the CLI each build their
own. Processing is at-least-once; handlers are idempotent (see streams.sessions).
"""

from __future__ import annotations

from typing import cast

import faust
import faust.web
from faust.tables.manager import TableManager

from infra.brokerprobe import PROBE_TIMEOUT_S, Reachability
from infra.kafkaclients import faust_credentials
from infra.settings import KafkaSettings, TopicSettings, WorkerSettings
from streams.gaps import backoff
from streams.gaps.catchup import CatchUp
from streams.gaps.rewind import agent_topics, rewind_uncommitted
from streams.leaderboard import agents as leaderboard
from streams.rewards import agents as rewards
from streams.sessions.agents import install
from streams.sessions.runtime import SessionRuntime

# How often the worker asks whether the broker answers (its /readyz reads the last answer).
BROKER_PROBE_S = 1.0


def create_app(worker: WorkerSettings, kafka: KafkaSettings, topics: TopicSettings) -> faust.App:
    app = faust.App(
        worker.app_id,
        broker=f"kafka://{kafka.bootstrap_servers}",
        broker_credentials=faust_credentials(kafka),
        store="rocksdb://",
        datadir=str(worker.worker_data_dir),
        topic_partitions=topics.partitions,
        topic_replication_factor=topics.replication_factor,
        processing_guarantee="at_least_once",
        web_enabled=True,
        web_bind=worker.web_host,
        web_port=worker.web_port,
        web_host=worker.web_host,
        # Keys and values are raw bytes: the Avro codec is applied by our own code
        # so the edge decodes the changelogs with the very same codec.
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        # How soon a killed worker's partitions move, and how much of the tables' changelogs
        # the new owner reads first: standbys keep them warm (docs/outages.md, "Failover").
        broker_session_timeout=worker.session_timeout_s,
        broker_heartbeat_interval=worker.heartbeat_s,
        table_standby_replicas=worker.standby_replicas,
    )
    backoff.install(app)  # before anything makes Faust's transport
    runtime = install(app, worker, topics, kafka.bootstrap_servers)
    catch_ups = [
        rewards.install(app, topics, kafka.bootstrap_servers),
        leaderboard.install(app, topics, kafka.bootstrap_servers),
    ]
    rewind_uncommitted(app.consumer, agent_topics(app))
    install_readiness(app, runtime, catch_ups)
    return app


def install_readiness(app: faust.App, runtime: SessionRuntime, catch_ups: list[CatchUp]) -> None:
    """``GET /readyz`` on the worker: 200 once every partition it owns has recovered, while
    the broker answers; ``GET /healthz``: 200 whenever the event loop answers (an
    orchestrator's liveness); ``GET /held/``: the sizes of the runtime's per-session
    structures.

    Recovered: the session runtime re-folded it, and the agents that must not miss a
    record (rewards, leaderboard) have read it since their committed offsets. The broker
    is asked in the background (``infra.brokerprobe``), so the page answers at once.
    """
    broker = Reachability(stale_s=BROKER_PROBE_S + PROBE_TIMEOUT_S + 1)

    @app.timer(BROKER_PROBE_S, name="probe_broker")
    async def probe_broker() -> None:
        broker.record(await runtime.topics.frames.reachable())

    @app.page("/healthz/")
    async def healthz(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        return web.json({"status": "ok"})

    @app.page("/readyz/")
    async def readyz(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        owned = sorted(runtime.owned)
        recovered = sorted(set(runtime.ready_partitions()).intersection(*(c.ready_partitions() for c in catch_ups)))
        # A worker may own no partition (more workers than partitions): still ready.
        ready = (
            broker.reachable
            and runtime.assigned_once
            and cast(TableManager, app.tables).recovery.completed.is_set()
            and owned == recovered
            and not app.rebalancing
        )
        body = {"ready": ready, "kafka": broker.reachable, "partitions": owned, "recovered": recovered}
        return web.json(body, status=200 if ready else 503)

    @app.page("/held/")
    async def held(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        """The sizes of the runtime's per-session structures (tests check they follow the live sessions)."""
        return web.json(runtime.held())
