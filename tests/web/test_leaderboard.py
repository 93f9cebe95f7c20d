"""The leaderboard panel in a real browser: the game's best runs in the API's order, a new
best run shown without a reload, and a row that plays its run again from the log.

The runs are ShellRunners bots' (tests/web/pilots.py); the panel is the same for both games.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import Tab, card, live_bot, wait_tick_above
from tests.web.playback import assert_plays_back

pytestmark = pytest.mark.integration

GAME = "shellrunners"
SHOWN = 10  # rows the panel asks for


async def best_runs(edge_url: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        answer = await http.get(f"/api/games/{GAME}/leaderboard", params={"limit": SHOWN})
    assert answer.status_code == 200, answer.text
    return answer.json()["entries"]


async def assert_panel_shows(page: Page, entries: list[dict]) -> None:
    rows = page.locator("#board-list li.run-row")
    await expect(rows).to_have_count(len(entries))
    if entries:
        await expect(rows.locator("[data-field=player]")).to_have_text([e["player"]["name"] for e in entries])
        await expect(rows.locator("[data-field=score]")).to_have_text([str(e["score"]) for e in entries])
        await expect(rows.locator("[data-field=rank]")).to_have_text([f"#{e['rank']}" for e in entries])


async def wait_score_above(page: Page, score: int) -> None:
    await page.wait_for_function(
        "min => Number((/Score (\\d+)/.exec(document.querySelector('[data-hud=score]').textContent) || [0, -1])[1]) > min",
        arg=score,
    )


async def test_the_leaderboard_follows_the_best_runs_and_plays_one_again(edge, tab: Tab) -> None:
    page = tab.page
    await page.goto(f"{edge.url}/games/{GAME}")
    before = await best_runs(edge.url)
    await assert_panel_shows(page, before)
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads
    # A run that enters the panel: it scores above the lowest run shown when the panel is full.
    entry_score = before[-1]["score"] if len(before) == SHOWN else -1
    async with live_bot(edge.url, GAME, "board-climber") as bot:
        await card(page, bot.session_id).locator("button.watch").click()
        await wait_tick_above(page, 0)
        await wait_score_above(page, entry_score)
        bot.pilot.crash = True
        await expect(page.locator("#stage .overlay")).to_be_visible(timeout=60_000)
        result = (await bot.client.session(GAME, bot.session_id))["result"]
    row = page.locator(f'#board-list li.run-row[data-session-id="{bot.session_id}"]')
    await expect(row.locator("[data-field=score]")).to_have_text(str(result["score"]))
    assert await page.evaluate("window.sameDocument === true"), "the page reloaded"
    after = await best_runs(edge.url)
    assert bot.session_id in [e["sessionId"] for e in after]
    assert [e["score"] for e in after] == sorted((e["score"] for e in after), reverse=True)
    await assert_panel_shows(page, after)
    # The row plays the run again from its log, from its start to the same end.
    await assert_plays_back(page, bot.session_id, result["ticks"], row.get_by_role("button", name="Watch again").click)
    await expect(page.locator("#stage [data-end=detail]")).to_contain_text(f"Score {result['score']}")
