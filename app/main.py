"""Builds the edge's FastAPI app from settings: ``create_app(edge, kafka, topics)``.

The app owns one ``EdgeBus`` for its lifetime (started in the lifespan), and serves
the HTTP API of DESIGN.md §3 plus the operational endpoints.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from app.api import agents, sessions
from app.bus import EdgeBus
from app.errors import install_error_handlers
from app.identity import AgentDirectory
from app.metrics import EdgeMetrics
from app import ops
from molt.settings import EdgeSettings, KafkaSettings, TopicSettings


def create_app(edge: EdgeSettings, kafka: KafkaSettings, topics: TopicSettings) -> FastAPI:
    metrics = EdgeMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Kafka clients bind to the running loop, so they are made here, not above.
        bus = EdgeBus(kafka.bootstrap_servers, edge.app_id, edge.edge_id, topics.partitions)
        app.state.bus = bus
        app.state.agents = AgentDirectory(bus.agents)
        await bus.start()
        try:
            yield
        finally:
            await bus.stop()

    app = FastAPI(title="MoltStation Live", version="0.1.0", lifespan=lifespan)
    app.state.settings = edge
    app.state.metrics = metrics
    install_error_handlers(app)

    @app.middleware("http")
    async def count_requests(request: Request, call_next) -> Response:  # noqa: ANN001
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.http_requests.labels(route, str(response.status_code)).inc()
        metrics.http_seconds.labels(route).observe(time.perf_counter() - started)
        return response

    app.include_router(ops.router)
    app.include_router(agents.router)
    app.include_router(sessions.router)
    return app
