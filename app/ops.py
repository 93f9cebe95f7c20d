"""Operational endpoints: liveness, readiness and Prometheus metrics.

/readyz reads the state ``app.health`` keeps current: it answers at once, never
waiting on Kafka. ``metrics_router`` is included only while ``/metrics`` is served on
the public port (no ``MOLT_EDGE_METRICS_PORT``; see ``app.metrics.serving``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.errors import documented

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    responses=documented(_503="not ready: Kafka unreachable, a view behind, or a background task ended"),
)
async def readyz(request: Request) -> JSONResponse:
    ready, body = request.app.state.health.readiness()
    return JSONResponse(body, status_code=200 if ready else 503)


metrics_router = APIRouter(tags=["ops"])


@metrics_router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"description": "The Prometheus text exposition format"}},
)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
