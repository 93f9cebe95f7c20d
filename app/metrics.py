"""Prometheus metrics of one edge process, in a registry of its own.

A registry per app (not the global default) lets several edges live in one test
process without colliding metric names.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class EdgeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "molt_edge_http_requests",
            "HTTP requests answered, by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.http_seconds = Histogram(
            "molt_edge_http_request_seconds",
            "HTTP request handling time",
            ["route"],
            registry=self.registry,
        )
        self.views_caught_up = Gauge(
            "molt_edge_views_caught_up",
            "1 when every view the edge serves has caught up with its changelog",
            registry=self.registry,
        )
