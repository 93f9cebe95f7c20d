"""The OpenAPI document names every route's error answers by their codes (DESIGN.md §3)."""

from __future__ import annotations

import re

from app.main import create_app
from app.wallet import ADDRESS_PATTERN, MESSAGE_PATTERN, SIGNATURE_PATTERN
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings

CODE = re.compile(r"\b[A-Z][A-Z_]{3,}\b")


def test_every_api_route_documents_its_errors_by_code() -> None:
    document = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()
    unnamed = [
        f"{method.upper()} {path} {status}"
        for path, operations in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45" and not CODE.search(response["description"])
    ]
    assert unnamed == []
    spectate = document["paths"]["/api/games/{slug}/sessions/{session_id}/spectate-token-public"]["post"]
    assert "SPECTATORS_FULL" in spectate["responses"]["409"]["description"]
    assert "RATE_LIMITED" in spectate["responses"]["429"]["description"]
    created = document["paths"]["/api/games/{slug}/sessions"]["post"]["responses"]
    assert {"401", "404", "422", "503"} <= set(created)
    board = document["paths"]["/api/games/{slug}/leaderboard"]["get"]["responses"]
    assert "GAME_NOT_FOUND" in board["404"]["description"] and "INVALID_REQUEST" in board["422"]["description"]
    page = document["paths"]["/api/games/{slug}/sessions/{session_id}/frames"]["get"]
    assert {p["name"] for p in page["parameters"]} >= {"fromTick", "limit", "authorization"}
    codes = {status: answer["description"] for status, answer in page["responses"].items()}
    assert "TOKEN_EXPIRED" in codes["401"] and "NOT_SPECTATABLE" in codes["403"] and "REPLAY_BUSY" in codes["503"]
    assert page["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/FramesPage")


def test_both_spectate_flows_document_the_per_client_bound() -> None:
    document = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()
    for route in ("spectate-token", "spectate-token-public"):
        answers = document["paths"][f"/api/games/{{slug}}/sessions/{{session_id}}/{route}"]["post"]["responses"]
        assert "SEATS_PER_CLIENT" in answers["429"]["description"], route


def test_the_document_states_the_wallet_shapes_and_the_metrics_content_type() -> None:
    document = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()
    schemas = document["components"]["schemas"]
    assert schemas["NonceRequest"]["properties"]["address"]["pattern"] == ADDRESS_PATTERN
    verify = schemas["VerifyRequest"]["properties"]
    assert (verify["message"]["pattern"], verify["signature"]["pattern"]) == (MESSAGE_PATTERN, SIGNATURE_PATTERN)
    assert set(document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}


def test_every_route_that_writes_to_the_log_documents_kafka_unavailable_with_retry_after() -> None:
    paths = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()["paths"]
    session = "/api/games/{slug}/sessions/{session_id}"
    writers = [
        "/api/agents",
        "/api/games/{slug}/sessions",
        f"{session}/spectate-token",
        f"{session}/spectate-token-public",
        f"{session}/snapshot",
    ]
    for path in writers:
        unavailable = paths[path]["post"]["responses"]["503"]
        assert "KAFKA_UNAVAILABLE" in unavailable["description"], path
        assert "Retry-After" in unavailable["headers"], path
