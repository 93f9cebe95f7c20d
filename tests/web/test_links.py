"""Links to runs in a real browser: watching a run puts it in the page's address, the
back button leaves it, and opening a link watches the run live, plays it back once it
ended, or says why it cannot (a practice run, an unknown id, another game's run).

The runs are ShellRunners bots' (tests/web/pilots.py); the page is the same for both games.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from molt.sdk import MoltClient
from tests.web.conftest import Tab, canvas_tick, card, live_bot, wait_tick_above
from tests.web.playback import assert_plays_back

pytestmark = pytest.mark.integration

GAME = "shellrunners"
WATCHING = re.compile(r"\bwatching\b")
IDLE = "Pick a live run to watch, or play a practice run"
UNKNOWN = "No such run of this game: the link is wrong, or the run is gone."
PRIVATE = "This is a practice run: practice runs are private and cannot be watched."


def link(edge_url: str, session_id: str, game: str = GAME) -> str:
    return f"{edge_url}/games/{game}?watch={session_id}"


async def test_watching_puts_the_run_in_the_address_and_back_leaves_it(edge, tab: Tab) -> None:
    page = tab.page
    await page.goto(f"{edge.url}/games/{GAME}")
    async with live_bot(edge.url, GAME, "linked-bot") as bot:
        listed = card(page, bot.session_id)
        await listed.locator("button.watch").click()
        await wait_tick_above(page, 0)
        await expect(page).to_have_url(link(edge.url, bot.session_id))
        await expect(listed.locator("[data-field=spectators]")).to_have_text("1/50")
        await page.go_back()
        await expect(page).to_have_url(f"{edge.url}/games/{GAME}")
        await expect(page.locator("[data-hud=label]")).to_have_text(IDLE)
        assert await canvas_tick(page) == -1, "the stage still shows the run"
        await expect(listed).not_to_have_class(WATCHING)
        # The seat is given back: the card's count comes down without a reload.
        await expect(listed.locator("[data-field=spectators]")).to_have_text("0/50")
        await bot.check_playing()


async def test_a_link_watches_a_live_run_and_plays_it_back_once_it_ended(edge, tab: Tab) -> None:
    page = tab.page
    async with live_bot(edge.url, GAME, "link-followed") as bot:
        await page.goto(link(edge.url, bot.session_id))
        await wait_tick_above(page, 0)
        await expect(page.locator("[data-hud=spectators]")).to_have_text("Spectators 1/50")
        await expect(card(page, bot.session_id)).to_have_class(WATCHING)
        bot.pilot.crash = True
        await expect(page.locator("#stage .overlay")).to_be_visible(timeout=60_000)
        result = (await bot.client.session(GAME, bot.session_id))["result"]
    seats_asked = len(tab.asked("POST", "/spectate-token-public"))
    await assert_plays_back(page, bot.session_id, result["ticks"], lambda: page.goto(link(edge.url, bot.session_id)))
    assert len(tab.asked("POST", "/spectate-token-public")) == seats_asked, "an ended run takes no seat"


async def test_a_link_to_a_practice_run_or_an_unknown_run_says_so(edge, tab: Tab) -> None:
    page = tab.page
    async with await MoltClient.register(edge.url, "private-player") as client:
        practice = await client.create_session(GAME, mode="practice")
    notice = page.locator("#notice")
    await page.goto(link(edge.url, practice["sessionId"]))
    await expect(notice).to_have_text(PRIVATE)
    assert not tab.asked("POST", "/spectate-token-public") and await canvas_tick(page) == -1
    await page.goto(link(edge.url, "no-such-run"))
    await expect(notice).to_have_text(UNKNOWN)
    # A run of another game is unknown on this game's page.
    await page.goto(link(edge.url, practice["sessionId"], game="flappy-bots"))
    await expect(notice).to_have_text(UNKNOWN)
    assert not tab.asked("POST", "/spectate-token-public") and not tab.asked("GET", "/replay")
