"""Builds the edge's FastAPI app from settings: ``create_app(edge, kafka, topics)``.

The app owns one ``EdgeBus`` for its lifetime (started in the lifespan), and serves
the HTTP API of DESIGN.md §3, the operational endpoints and the web page (``app.web``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import ops
from app.api import access_tokens, agents, auth, leaderboard, replays, sessions
from app.bus import STOP_TIMEOUT_S, EdgeBus
from app.errors import INVALID, documented, install_error_handlers
from app.health import Health
from app.identity import AgentDirectory
from app.metrics import EdgeMetrics
from app.ratelimit import RateLimiter
from app.requestmetrics import RequestMetrics
from app.seats import SeatBroker
from app.tokens import TokenIssuer, TokenKeys
from app.topicfollower import TopicFollower
from app.wallet import MemoryNonceStore
from app.web import pages
from app.ws import endpoint as websockets
from app.ws.fanout import Fanout
from app.ws.seats_held import SocketRegistry
from infra import heap
from infra.aio import stop_within
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings
from schemas.records import SeatRenewed
from schemas.topics import SEAT_REPLIES, SESSION_FRAMES


def create_app(edge: EdgeSettings, kafka: KafkaSettings, topics: TopicSettings) -> FastAPI:
    metrics = EdgeMetrics()
    # Built before anything starts: a missing signing key outside development stops here.
    tokens = TokenIssuer(TokenKeys.from_settings(edge), edge.token_ttl_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Kafka clients bind to the running loop, so they are made here, not above.
        bus = EdgeBus(kafka.bootstrap_servers, edge.app_id, edge.edge_id, topics.partitions, edge.kafka_wait_s)
        fanout = Fanout(bus.codec)
        metrics.watch_fanout(fanout)
        bus.sessions.subscribe(fanout.on_session_view)
        bus.spectators.subscribe(fanout.on_spectators)
        frames = TopicFollower(kafka.bootstrap_servers, SESSION_FRAMES.name, topics.partitions, fanout.on_frames)
        seats = SeatBroker(kafka.bootstrap_servers, SEAT_REPLIES.name, topics.partitions, bus.codec)
        sockets = SocketRegistry()
        app.state.bus = bus
        app.state.agents = AgentDirectory(bus.agents)
        app.state.fanout = fanout
        app.state.seats = seats
        app.state.sockets = sockets
        app.state.run_frames = replays.RunFrames(kafka.bootstrap_servers, topics.partitions)

        async def renew(lease_id: str, session_id: str, engine_version: int) -> None:
            await bus.send_command(session_id, engine_version, SeatRenewed(lease_id))

        await bus.start()
        await frames.start()
        await seats.follower.start()
        renewals = asyncio.create_task(sockets.renew_forever(edge.seat_renew_s, renew))
        app.state.health = health = Health(
            bus,
            {
                "frames": lambda: frames.running,
                "seat-replies": lambda: seats.follower.running,
                "seat-renewals": lambda: not renewals.done(),
            },
            probe_s=edge.ready_probe_s,
            view_lag_s=edge.view_lag_s,
        )
        probing = asyncio.create_task(health.probe_forever())
        # Started: what exists now lives as long as the edge (see infra.heap).
        heap.settle()
        try:
            yield
        finally:
            probing.cancel()
            renewals.cancel()
            await stop_within(seats.follower.stop(), STOP_TIMEOUT_S, "the seat replies' follower")
            await stop_within(frames.stop(), STOP_TIMEOUT_S, "the frames' follower")
            await bus.stop()

    app = FastAPI(
        title="MoltStation Live",
        version="0.1.0",
        lifespan=lifespan,
        # Every route can answer 422 (validation), rendered by app.errors, not FastAPI's shape.
        responses=documented(_422=INVALID),
    )
    app.state.settings = edge
    app.state.metrics = metrics
    app.state.tokens = tokens
    app.state.nonces = MemoryNonceStore(edge.nonce_ttl_s)
    app.state.public_token_limiter = RateLimiter(edge.public_token_burst, edge.public_token_per_s)
    install_error_handlers(app)

    app.add_middleware(RequestMetrics, metrics=metrics)

    app.include_router(ops.router)
    app.include_router(agents.router)
    app.include_router(auth.router)
    app.include_router(sessions.router)
    app.include_router(replays.router)
    app.include_router(access_tokens.router)
    app.include_router(leaderboard.router)
    app.include_router(websockets.router)
    app.include_router(pages.router)
    app.mount("/static", pages.STATIC, name="static")
    return app
