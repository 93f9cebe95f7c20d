"""Every route handler and dependency of the edge runs on the event loop.

FastAPI runs a plain ``def`` handler or dependency in its thread pool: a hand-off to
another thread and back, per dependency, on every request. On the spectate-token path
that cost milliseconds of the seat decision latency, so none may come back.
"""

from __future__ import annotations

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute

from app.main import create_app
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings


def _routes(routes: list) -> list:
    """The API and WebSocket routes, through included routers (FastAPI keeps those apart)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute | APIWebSocketRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _routes(route.original_router.routes)
    return found


def _calls(dependant: Dependant) -> list:
    calls = [dependant.call] if dependant.call is not None else []
    for child in dependant.dependencies:
        calls += _calls(child)
    return calls


def test_no_route_or_dependency_runs_in_the_thread_pool() -> None:
    app = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings())
    routes = _routes(app.routes)
    assert len(routes) > 10  # the walk sees the API, not an empty app
    blocking = sorted(
        {
            f"{call.__module__}.{call.__qualname__}"
            for route in routes
            for call in _calls(route.dependant)
            if not inspect.iscoroutinefunction(call)
        }
    )
    assert blocking == []
