"""HTTP bodies capped before they are read (``app.bodylimit``), over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request

from app.bodylimit import BodyLimit
from app.errors import install_error_handlers
from molt.stack import Edge

CAP = 1024


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=CAP)
    app.state.read = 0

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.body()
        app.state.read += 1
        return {"bytes": len(body)}

    return app


@pytest.fixture
def app() -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://edge.test") as client:
        yield client


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "BODY_TOO_LARGE"


async def test_a_body_at_the_cap_is_read(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.post("/echo", content=b"x" * CAP)
    assert response.json() == {"bytes": CAP}
    assert app.state.read == 1


async def test_a_declared_length_over_the_cap_is_refused_before_the_route_runs(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert_too_large(await client.post("/echo", content=b"x" * (CAP + 1)))
    assert app.state.read == 0


async def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_cap(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b"x" * 512

    assert_too_large(await client.post("/echo", content=chunks()))
    assert sent < 100


@pytest.mark.integration
async def test_the_edge_refuses_a_body_over_its_cap(edge: Edge) -> None:
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        too_large = await http.post("/api/agents", content=b'{"name":"' + b"x" * (64 * 1024) + b'"}')
    assert_too_large(too_large)
    assert too_large.headers["X-Content-Type-Options"] == "nosniff"  # the security headers wrap it
