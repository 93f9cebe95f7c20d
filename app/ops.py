"""Operational endpoints: liveness, readiness and Prometheus metrics.

``metrics_router`` is included only while ``/metrics`` is served on the public port
(no ``MOLT_EDGE_METRICS_PORT``; see ``app.metrics.serving``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.deps import Bus
from app.errors import documented

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=documented(_503="not ready: Kafka unreachable, or a view not caught up"))
async def readyz(bus: Bus) -> JSONResponse:
    kafka = await bus.reachable()
    views = {view.topic: view.caught_up.is_set() for view in bus.views}
    ready = kafka and all(views.values())
    body = {"status": "ready" if ready else "not ready", "kafka": kafka, "views": views}
    return JSONResponse(body, status_code=200 if ready else 503)


metrics_router = APIRouter(tags=["ops"])


@metrics_router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"description": "The Prometheus text exposition format"}},
)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
