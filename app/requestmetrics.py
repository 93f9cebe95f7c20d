"""Counts and times every HTTP request, by route and status, for ``/metrics``.

A plain ASGI middleware: Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware)
runs each request in a task group with memory streams between the two halves, which
adds its own scheduling to every request's latency; this one only wraps ``send``.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import EdgeMetrics


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: EdgeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # The router put the matched route into the scope it was handed (this one).
            route: Any = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.http_requests.labels(path, str(status)).inc()
            self.metrics.http_seconds.labels(path).observe(time.perf_counter() - started)
