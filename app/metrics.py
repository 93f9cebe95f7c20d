"""Prometheus metrics of one edge process, in a registry of its own, and where they are served.

A registry per app (not the global default) lets several edges live in one test
process without colliding metric names. Values other code owns (the fan-out's counters,
whether the views caught up) are read by collectors when scraped, so a scrape on the
metrics port (``serving``) sees the same as one on the public port's ``/metrics``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
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
        self.sockets_cut_off = Counter(
            "molt_edge_sockets_cut_off",
            "Spectator sockets closed (SLOW_CONSUMER, 1013) for holding more than MOLT_EDGE_SPECTATOR_BACKLOG_BYTES unsent",
            registry=self.registry,
        )

    def watch_fanout(self, fanout: Fanout) -> None:
        self.registry.register(_FanoutCollector(fanout))

    def watch_views(self, caught_up: Callable[[], bool]) -> None:
        self.registry.register(_ViewsCollector(caught_up))

    def watch_held(self, held: Callable[[], dict[str, int]]) -> None:
        """Export the sizes ``held()`` gives, by structure: memory that must follow the live sessions."""
        self.registry.register(_HeldCollector(held))


@asynccontextmanager
async def serving(metrics: EdgeMetrics, host: str, port: int | None) -> AsyncIterator[None]:
    """``/metrics`` on a port of its own, when one is set, while the block runs
    (prometheus_client's server, in a thread of its own; the collectors only read ints
    and flags)."""
    if port is None:
        yield
        return
    server, thread = start_http_server(port, host, registry=metrics.registry)
    try:
        yield
    finally:
        # shutdown() waits for the server's poll loop to notice: off the event loop.
        await asyncio.to_thread(server.shutdown)
        server.server_close()
        thread.join()


class _ViewsCollector(Collector):
    def __init__(self, caught_up: Callable[[], bool]) -> None:
        self._caught_up = caught_up

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "molt_edge_views_caught_up",
            "1 when every view the edge serves has caught up with its changelog",
            value=1 if self._caught_up() else 0,
        )


class _FanoutCollector(Collector):
    """The fan-out's own counters, read when scraped (the hot path only adds to ints)."""

    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout

    def collect(self) -> Iterator[CounterMetricFamily]:
        frames = CounterMetricFamily(
            "molt_edge_frames_sent",
            "Frames handed to sockets: written straight to the transport, plain (wire) or on the session's"
            " deflate stream (deflated), or queued for the socket's sender",
            labels=["path"],
        )
        fanout = self._fanout
        frames.add_metric(["wire"], fanout.frames_on_wire - fanout.frames_deflated)
        frames.add_metric(["deflated"], fanout.frames_deflated)
        frames.add_metric(["queued"], fanout.frames_out - fanout.frames_on_wire)
        yield frames


class _HeldCollector(Collector):
    def __init__(self, held: Callable[[], dict[str, int]]) -> None:
        self._held = held

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "molt_edge_held_entries",
            "Entries in the edge's per-session and per-socket structures (fanout.ended: a bounded memory of ended runs)",
            labels=["structure"],
        )
        for structure, size in sorted(self._held().items()):
            family.add_metric([structure], size)
        yield family
