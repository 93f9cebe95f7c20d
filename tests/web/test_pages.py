"""The page routes (app.web.pages), in-process: no broker needed to serve static pages."""

from __future__ import annotations

import httpx

from app.main import create_app
from app.web.pages import GAMES
from infra.settings import EdgeSettings, KafkaSettings, TopicSettings
from streams.sim.registry import ENGINES


def client() -> httpx.AsyncClient:
    # The lifespan (Kafka) is not entered: pages and static files do not need it.
    app = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge")


def test_every_game_has_a_page_and_every_page_a_game() -> None:
    assert set(GAMES) == set(ENGINES)


async def test_home_lists_each_game_with_a_link_to_its_page() -> None:
    async with client() as http:
        home = await http.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    for slug, game in GAMES.items():
        assert f'href="/games/{slug}"' in home.text and game.title in home.text


async def test_both_games_share_one_page_filled_with_their_slug() -> None:
    async with client() as http:
        pages = {slug: await http.get(f"/games/{slug}") for slug in GAMES}
        script = await http.get("/static/game.js")
    for slug, page in pages.items():
        assert page.status_code == 200
        assert f'data-game="{slug}"' in page.text and GAMES[slug].title in page.text
        assert '<script type="module" src="/static/game.js">' in page.text
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


async def test_an_unknown_game_is_a_clear_404() -> None:
    async with client() as http:
        missing = await http.get("/games/tetris<script>")
    assert missing.status_code == 404
    assert "Game not found" in missing.text and "GAME_NOT_FOUND" in missing.text
    assert "tetris&lt;script&gt;" in missing.text and "<script>" not in missing.text


def test_pages_stay_out_of_the_api_document() -> None:
    paths = create_app(EdgeSettings(env="development"), KafkaSettings(), TopicSettings()).openapi()["paths"]
    assert "/" not in paths and "/games/{slug}" not in paths
