"""Every HTTP response of the edge carries the security headers (app.securityheaders), in-process."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from app.securityheaders import CONTENT_SECURITY_POLICY
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings

PRODUCTION = EdgeSettings(env="production", token_keys="k1:" + "s" * 40)
DEVELOPMENT = EdgeSettings(env="development")
# The lifespan (Kafka) is not entered: none of these paths needs it.
PATHS = ["/", "/games/flappy-bots", "/static/game.js", "/static/style.css", "/healthz", "/api/nowhere"]


async def get(settings: EdgeSettings, path: str) -> httpx.Response:
    app = create_app(settings, KafkaSettings(), TopicSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge") as http:
        return await http.get(path)


@pytest.mark.parametrize("path", PATHS)
async def test_pages_files_and_api_answers_carry_the_policy_and_the_usual_headers(path: str) -> None:
    headers = (await get(PRODUCTION, path)).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_policy_allows_only_this_origin_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


async def test_development_sends_no_hsts_but_the_rest() -> None:
    headers = (await get(DEVELOPMENT, "/")).headers
    assert "strict-transport-security" not in headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_the_interactive_docs_load_their_cdn_code_so_carry_no_policy() -> None:
    docs = await get(PRODUCTION, "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "content-security-policy" not in docs.headers
    assert docs.headers["x-frame-options"] == "DENY"


async def test_metrics_leave_the_public_port_when_a_metrics_port_is_set() -> None:
    assert (await get(DEVELOPMENT, "/metrics")).status_code == 200
    moved = DEVELOPMENT.model_copy(update={"metrics_port": 9464})
    assert (await get(moved, "/metrics")).status_code == 404
