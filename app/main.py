"""Builds the edge's FastAPI app from settings: ``create_app(edge, kafka, topics)``.

The app owns one ``EdgeBus`` for its lifetime (started in the lifespan), and serves
the HTTP API of DESIGN.md §3, the operational endpoints and the web page (``app.web``).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import ops
from app.api import access_tokens, agents, auth, leaderboard, replays, runs, sessions
from app.bodylimit import BodyLimit
from app.bus import STOP_TIMEOUT_S, EdgeBus
from app.clientaddress import ClientAddresses
from app.errors import INVALID, TOO_LARGE, documented, install_error_handlers
from app.health import Health
from app.identity import AgentDirectory
from app.metrics import EdgeMetrics, serving
from app.nonceclaims import NonceClaims
from app.nonces import SignedNonces
from app.quotas import Quotas
from app.recentruns import RecentRuns
from app.requestmetrics import RequestMetrics
from app.seats import SeatBroker
from app.securityheaders import SecurityHeaders
from app.socketcounts import SocketCounts
from app.tickindex import TickIndex
from app.tokens import TokenIssuer, TokenKeys
from app.topicfollower import TopicFollower
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
    keys = TokenKeys.from_settings(edge)
    tokens = TokenIssuer(keys, edge.token_ttl_s)
    addresses = ClientAddresses(edge.trusted_proxy_networks)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Kafka clients bind to the running loop, so they are made here, not above.
        bus = EdgeBus(kafka.bootstrap_servers, edge.app_id, edge.edge_id, topics.partitions, edge.kafka_wait_s)
        index = TickIndex()
        bus.sessions.subscribe(index.on_session_view)
        fanout = Fanout(bus.codec, index, edge.frame_deflate_resync_frames)
        metrics.watch_fanout(fanout)
        metrics.watch_views(lambda: bus.caught_up)
        bus.sessions.subscribe(fanout.on_session_view)
        bus.spectators.subscribe(fanout.on_spectators)
        app.state.recent_runs = RecentRuns()
        bus.sessions.subscribe(app.state.recent_runs.on_session_view)
        frames = TopicFollower(kafka.bootstrap_servers, SESSION_FRAMES.name, topics.partitions, fanout.on_frames)
        sockets = SocketRegistry()
        # A claim is bounded as a whole (acknowledged and read back) by the sign-in's wait.
        claim_publish = functools.partial(bus.publish, wait_s=edge.sign_in_wait_s)
        claims = NonceClaims(
            kafka.bootstrap_servers, topics.partitions, bus.codec, claim_publish, edge.nonce_ttl_s, edge.sign_in_wait_s
        )
        app.state.nonce_claims = claims
        seats = SeatBroker(
            kafka.bootstrap_servers, SEAT_REPLIES.name, topics.partitions, bus.codec, addresses, sockets.on_decision
        )
        metrics.watch_held(
            lambda: (
                fanout.held()
                | sockets.held()
                | seats.held()
                | {"tickindex.sessions": len(index)}
                | {"views.waiting": sum(view.waiting() for view in bus.views), "sockets.clients": len(socket_counts)}
            )
        )
        app.state.bus = bus
        app.state.agents = AgentDirectory(bus.agents)
        app.state.fanout = fanout
        app.state.seats = seats
        app.state.sockets = sockets
        app.state.run_frames = replays.RunFrames(
            kafka.bootstrap_servers, topics.partitions, index, edge.replay_reads, edge.replay_wait_s
        )

        async def renew(lease_id: str, session_id: str, engine_version: int) -> None:
            await bus.send_command(session_id, engine_version, SeatRenewed(lease_id))

        await bus.start()
        await frames.start()
        await seats.follower.start()
        await claims.follower.start()
        renewals = asyncio.create_task(sockets.renew_forever(edge.seat_renew_s, renew))
        app.state.health = health = Health(
            bus,
            {
                "frames": lambda: frames.running,
                "seat-replies": lambda: seats.follower.running,
                "nonce-claims": lambda: claims.follower.running,
                "seat-renewals": lambda: not renewals.done(),
            },
            probe_s=edge.ready_probe_s,
            view_lag_s=edge.view_lag_s,
        )
        probing = asyncio.create_task(health.probe_forever())
        # Started: what exists now lives as long as the edge (see infra.heap).
        heap.settle()
        try:
            async with serving(metrics, edge.metrics_host, edge.metrics_port):
                yield
        finally:
            probing.cancel()
            renewals.cancel()
            await stop_within(claims.follower.stop(), STOP_TIMEOUT_S, "the nonce claims' follower")
            await stop_within(seats.follower.stop(), STOP_TIMEOUT_S, "the seat replies' follower")
            await stop_within(frames.stop(), STOP_TIMEOUT_S, "the frames' follower")
            await bus.stop()

    app = FastAPI(
        title="MoltStation Live",
        version="0.1.0",
        lifespan=lifespan,
        # Every route can answer 422 (validation), rendered by app.errors, not FastAPI's shape,
        # and 413 (app.bodylimit).
        responses=documented(_413=TOO_LARGE, _422=INVALID),
    )
    app.state.settings = edge
    app.state.metrics = metrics
    app.state.tokens = tokens
    app.state.nonces = SignedNonces(keys, edge.nonce_ttl_s)
    app.state.quotas = Quotas(edge, addresses)
    app.state.socket_counts = socket_counts = SocketCounts(edge.max_sockets, edge.max_sockets_per_client)
    install_error_handlers(app)

    # The last added is the outermost: a 413 is counted and carries the security headers.
    app.add_middleware(BodyLimit, max_bytes=edge.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(SecurityHeaders, development=edge.development)

    app.include_router(ops.router)
    if edge.metrics_port is None:
        app.include_router(ops.metrics_router)
    app.include_router(agents.router)
    app.include_router(auth.router)
    app.include_router(sessions.router)
    app.include_router(replays.router)
    app.include_router(access_tokens.router)
    app.include_router(leaderboard.router)
    app.include_router(runs.router)
    app.include_router(websockets.router)
    app.include_router(pages.router)
    app.mount("/static", pages.STATIC, name="static")
    return app
