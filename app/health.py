"""The edge's readiness, kept current in the background so /readyz answers at once.

A probe runs every ``ready_probe_s``: it asks the cluster for metadata, and each view
to read what its topic holds now, each within a bounded wait. /readyz only reads the
last result: it never waits on Kafka. Ready means: the last probe is recent (a probe
stuck on a silent broker is not), Kafka answered it, every background task of the
edge still runs, and every view read what its topic held within ``view_lag_s``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.bus import EdgeBus
from app.kafkawait import KafkaUnavailable
from app.views import MaterializedView
from infra.brokerprobe import PROBE_TIMEOUT_S


@dataclass(frozen=True)
class Probe:
    at: float  # time.monotonic() when it ended
    kafka: bool
    views: dict[str, bool] = field(default_factory=dict)


class Health:
    def __init__(
        self, bus: EdgeBus, tasks: Mapping[str, Callable[[], bool]], *, probe_s: float, view_lag_s: float
    ) -> None:
        self._bus = bus
        self._tasks = tasks  # name -> "still running?"
        self._probe_s = probe_s
        self._view_lag_s = view_lag_s
        # A probe older than this is stuck: every wait in it is bounded by less.
        self._stale_s = probe_s + 2 * PROBE_TIMEOUT_S + view_lag_s
        self._last = Probe(at=-float("inf"), kafka=False)

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether the edge is ready, and the body that says why."""
        last = self._last
        fresh = time.monotonic() - last.at <= self._stale_s
        kafka = fresh and last.kafka
        views = {view.topic: kafka and view.running and last.views.get(view.topic, False) for view in self._bus.views}
        tasks = {name: running() for name, running in self._tasks.items()}
        ready = kafka and all(views.values()) and all(tasks.values())
        return ready, {"status": "ready" if ready else "not ready", "kafka": kafka, "views": views, "tasks": tasks}

    async def probe_forever(self) -> None:
        while True:
            self._last = await self.probe()
            await asyncio.sleep(self._probe_s)  # the probe's period: a timer, not a wait for an event

    async def probe(self) -> Probe:
        if not await self._bus.reachable(PROBE_TIMEOUT_S):
            return Probe(time.monotonic(), kafka=False)
        caught_up = await asyncio.gather(*(self._caught_up(view) for view in self._bus.views))
        views = {view.topic: done for view, done in zip(self._bus.views, caught_up, strict=True)}
        return Probe(time.monotonic(), kafka=True, views=views)

    async def _caught_up(self, view: MaterializedView[Any]) -> bool:
        try:
            return view.caught_up.is_set() and await view.catch_up(self._view_lag_s)
        except KafkaUnavailable:
            return False
