"""The recent runs an edge keeps per game (newest first, bounded, each run once, api only),
and their route in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from app.main import create_app
from app.recentruns import RecentRuns
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings
from schemas.views import SessionView


def ended(session_id: str, ended_at_ms: int, *, game: str = "flappy-bots", mode: str = "api") -> SessionView:
    result: Any = {"sessionId": session_id, "endedAtMs": ended_at_ms, "score": 1}
    return SessionView(session_id, 1, 9, game, mode, "ended", "agt_1", "bot", 0, 0, 9, 1, 0, 5, result)  # type: ignore[arg-type]


def live(session_id: str) -> SessionView:
    return SessionView(session_id, 1, 3, "flappy-bots", "api", "live", "agt_1", "bot", 0, 0, 3, 0, 0, 5, None)


def ids(page: tuple[list, int]) -> tuple[list[str], int]:
    runs, total = page
    return [r["sessionId"] for r in runs], total


def test_ended_api_runs_are_listed_newest_first_and_paged() -> None:
    recent = RecentRuns()
    for session_id, at in (("a", 10), ("c", 30), ("b", 20), ("d", 40)):  # views arrive out of end order
        recent.on_session_view(session_id, ended(session_id, at))
    assert ids(recent.page("flappy-bots", 0, 3)) == (["d", "c", "b"], 4)
    assert ids(recent.page("flappy-bots", 3, 3)) == (["a"], 4)
    assert ids(recent.page("flappy-bots", 4, 3)) == ([], 4)
    assert ids(recent.page("shellrunners", 0, 3)) == ([], 0)


def test_live_practice_and_other_games_runs_stay_out_and_a_run_is_listed_once() -> None:
    recent = RecentRuns()
    recent.on_session_view("a", live("a"))
    recent.on_session_view("p", ended("p", 5, mode="practice"))
    recent.on_session_view("s", ended("s", 6, game="shellrunners"))
    recent.on_session_view("a", ended("a", 7))
    recent.on_session_view("a", ended("a", 7))  # the same view published again
    assert ids(recent.page("flappy-bots", 0, 10)) == (["a"], 1)
    assert ids(recent.page("shellrunners", 0, 10)) == (["s"], 1)


def test_only_the_newest_runs_are_kept() -> None:
    recent = RecentRuns(kept=3)
    for at in range(6):
        recent.on_session_view(f"r{at}", ended(f"r{at}", at))
    recent.on_session_view("r0", ended("r0", 0))  # an evicted run seen again stays out
    assert ids(recent.page("flappy-bots", 0, 10)) == (["r5", "r4", "r3"], 3)


def test_the_recent_runs_route_is_documented_with_its_paging() -> None:
    document = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()
    route = document["paths"]["/api/games/{slug}/runs"]["get"]
    assert {p["name"] for p in route["parameters"]} == {"slug", "offset", "limit"}
    assert "GAME_NOT_FOUND" in route["responses"]["404"]["description"]
    page = document["components"]["schemas"]["RunsPage"]["properties"]
    assert {"runs", "offset", "total", "nextOffset"} <= set(page)
