"""The watch-live list in a real browser: bots' live runs of both games, never practice."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.async_api import Page, expect

from molt.sdk import MoltClient
from tests.web.conftest import Tab, card, live_bot, screenshot_path, wait_tick_above

pytestmark = pytest.mark.integration

# Two bots per game, on different seeds: a Flappy bot may crash early on a loaded box
# (tests/web/pilots.py), and the list only has to show the live ones.
SECOND_SEEDS = {"flappy-bots": 37, "shellrunners": 55}


@pytest.mark.parametrize("game", ["flappy-bots", "shellrunners"])
async def test_the_page_lists_live_bot_runs_and_never_a_practice_run(edge, tab: Tab, game: str) -> None:
    page = tab.page
    await page.goto(f"{edge.url}/games/{game}")  # first: the bots' runs need to last only from here
    async with contextlib.AsyncExitStack() as running, await MoltClient.register(edge.url, "practiser") as practiser:
        bots = [
            await running.enter_async_context(live_bot(edge.url, game, f"{game}-lister-{i}", seed=seed))
            for i, seed in enumerate((None, SECOND_SEEDS[game]))
        ]
        practice = await practiser.create_session(game, mode="practice")
        practice_socket = await running.enter_async_context(practiser.play(game, practice["sessionId"]))
        async for message in practice_socket:  # the practice run is live: its frames flow
            if message["t"] == "frame":
                break
        ids = [bot.session_id for bot in bots]
        listed = card(page, await first_listed(page, ids))
        await expect(listed.locator("[data-field=player]")).to_have_text(re.compile(f"^{game}-lister-[01]$"))
        await expect(listed).to_have_attribute("data-state", "joinable")
        await expect(listed.locator("[data-field=spectators]")).to_have_text("0/50")
        await expect(listed.locator("[data-field=state]")).to_have_text("Joinable")
        # The running time moves on without a reload.
        await expect(listed.locator("[data-field=running]")).not_to_have_text("0:00")
        # Two more polls after the practice run was live: it is never listed.
        for _ in range(2):
            await page.wait_for_event("response", lambda r: r.url.endswith(f"/api/games/{game}/sessions/live"))
        listed_ids = await page.locator("li.card").evaluate_all("cards => cards.map(c => c.dataset.sessionId)")
        assert practice["sessionId"] not in listed_ids
        assert await card(page, practice["sessionId"]).count() == 0
        # The game page while watching one of them, for the README.
        watched = await first_listed(page, ids)
        await card(page, watched).locator("button.watch").click()
        await wait_tick_above(page, 30)
        await page.screenshot(path=screenshot_path(f"{game}.png"), full_page=True)
        await bots[ids.index(watched)].check_playing()


async def first_listed(page: Page, session_ids: list[str]) -> str:
    """The first of ``session_ids`` the page has a card for (waits for one)."""
    shown = await page.wait_for_function(
        "ids => ids.find(id => document.querySelector(`li.card[data-session-id='${id}']`))", arg=session_ids
    )
    return await shown.json_value()
