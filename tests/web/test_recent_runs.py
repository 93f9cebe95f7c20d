"""Recent runs in a real browser: a run that just ended is listed first (player, score,
end reason, length) without a reload, and *Watch again* plays it to its end; the list
comes from GET .../runs, newest first and paged. Saves the screenshot of both run panels.

The runs are ShellRunners bots' (tests/web/pilots.py); the panel is the same for both games.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from app.recentruns import KEPT
from tests.web.conftest import Tab, card, live_bot, screenshot_path, wait_tick_above
from tests.web.playback import assert_plays_back

pytestmark = pytest.mark.integration

GAME = "shellrunners"


async def screenshot_panels(page: Page) -> None:
    """The leaderboard and recent runs panels, one above the other, into docs/screenshots."""
    board, recent = await page.locator(".board").bounding_box(), await page.locator("#recent").bounding_box()
    assert board is not None and recent is not None
    top, bottom = min(board["y"], recent["y"]), max(board["y"] + board["height"], recent["y"] + recent["height"])
    clip = {"x": board["x"], "y": top, "width": board["width"], "height": bottom - top}
    await page.screenshot(path=screenshot_path("runs-panels.png"), clip=clip, full_page=True)


async def test_a_run_that_ended_is_listed_first_and_plays_again_to_its_end(edge, tab: Tab) -> None:
    page = tab.page
    await page.goto(f"{edge.url}/games/{GAME}")
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads
    async with live_bot(edge.url, GAME, "recent-bot") as bot:
        await card(page, bot.session_id).locator("button.watch").click()
        await wait_tick_above(page, 0)
        bot.pilot.crash = True
        await expect(page.locator("#stage .overlay")).to_be_visible(timeout=60_000)
        result = (await bot.client.session(GAME, bot.session_id))["result"]
    first = page.locator("#recent li.run-row").first
    await expect(first).to_have_attribute("data-session-id", bot.session_id)
    await expect(first.locator("[data-field=player]")).to_have_text("recent-bot")
    await expect(first.locator("[data-field=score]")).to_have_text(str(result["score"]))
    seconds = f"{result['ticks'] / 30:.1f} s"
    await expect(first.locator("[data-field=detail]")).to_contain_text(f"{result['endReason']} · {seconds}")
    await expect(page.locator("[data-recent=newer]")).to_be_disabled()
    assert await page.evaluate("window.sameDocument === true"), "the page reloaded"
    # Whether it also enters the leaderboard depends on the runs before it: test_leaderboard covers that.
    await screenshot_panels(page)
    # The route: newest first, paged, no deeper than the runs an edge keeps.
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as http:
        newest = (await http.get(f"/api/games/{GAME}/runs", params={"limit": 1})).json()
        too_deep = await http.get(f"/api/games/{GAME}/runs", params={"offset": KEPT})
    assert [r["sessionId"] for r in newest["runs"]] == [bot.session_id]
    assert newest["nextOffset"] == (1 if newest["total"] > 1 else None)
    assert too_deep.status_code == 422
    # Watch again: the run plays from its log, from its start to the same end, and is in the address.
    await assert_plays_back(
        page, bot.session_id, result["ticks"], first.get_by_role("button", name="Watch again").click
    )
    await expect(page).to_have_url(f"{edge.url}/games/{GAME}?watch={bot.session_id}")
