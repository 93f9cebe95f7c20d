"""Prometheus metrics of one edge process, in a registry of its own.

A registry per app (not the global default) lets several edges live in one test
process without colliding metric names.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from app.ws.fanout import Fanout


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

    def watch_fanout(self, fanout: Fanout) -> None:
        self.registry.register(_FanoutCollector(fanout))


class _FanoutCollector(Collector):
    """The fan-out's own counters, read when scraped (the hot path only adds to ints)."""

    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout

    def collect(self) -> Iterator[CounterMetricFamily]:
        frames = CounterMetricFamily(
            "molt_edge_frames_sent",
            "Frames handed to sockets: written straight to the transport (wire) or queued for the socket's sender",
            labels=["path"],
        )
        on_wire = self._fanout.frames_on_wire
        frames.add_metric(["wire"], on_wire)
        frames.add_metric(["queued"], self._fanout.frames_out - on_wire)
        yield frames
