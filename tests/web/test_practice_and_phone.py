"""A person plays practice runs in a real browser (keyboard, touch), and the page (the rewind
controls too) fits a phone."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import PHONE, Tab, card, live_bot, open_tab, wait_tick_above

pytestmark = pytest.mark.integration


def sent_inputs(page: Page) -> list[dict]:
    """Every input message the page sends on its sockets."""
    inputs: list[dict] = []

    def on_socket(ws) -> None:
        def on_sent(payload: str | bytes) -> None:
            message = json.loads(payload)
            if message["t"] == "input":
                inputs.append(message)

        ws.on("framesent", on_sent)

    page.on("websocket", on_socket)
    return inputs


async def start_practice(page: Page, edge_url: str, game: str) -> dict:
    await page.goto(f"{edge_url}/games/{game}")
    async with page.expect_response(lambda r: r.url.endswith(f"/api/games/{game}/sessions")) as created:
        await page.get_by_role("button", name="Play a practice run").click()
    session = await (await created.value).json()
    assert session["mode"] == "practice"
    await expect(page.locator("#pad")).to_be_visible()  # the run is on: the controls show
    return session


async def assert_never_listed(page: Page, edge_url: str, game: str, session_id: str) -> None:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        live = (await http.get(f"/api/games/{game}/sessions/live")).json()["sessions"]
    assert session_id not in {s["sessionId"] for s in live}
    assert await card(page, session_id).count() == 0


async def test_a_flappy_practice_run_played_with_the_keyboard_reaches_a_result(edge, tab: Tab) -> None:
    page = tab.page
    inputs = sent_inputs(page)
    session = await start_practice(page, edge.url, "flappy-bots")
    # A guest without a wallet: the page registered a guest agent to play as.
    assert tab.asked("POST", "/api/agents")
    tick = await wait_tick_above(page, 0)
    for _ in range(3):
        await page.keyboard.press("Space")
        tick = await wait_tick_above(page, tick + 5)
    await assert_never_listed(page, edge.url, "flappy-bots", session["sessionId"])
    overlay = page.locator("#stage .overlay")
    await expect(overlay).to_be_visible()  # no more flaps: the bot falls
    await expect(overlay.locator("[data-end=detail]")).to_contain_text("collision")
    assert [i["seq"] for i in inputs] == [1, 2, 3] and {i["action"] for i in inputs} == {"flap"}
    await expect(overlay.get_by_role("button", name="Play again")).to_be_visible()


async def test_a_shellrunners_practice_run_played_by_touch_on_a_phone_reaches_a_result(edge, browser: Browser) -> None:
    context, tab = await open_tab(browser, viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        page = tab.page
        inputs = sent_inputs(page)
        session = await start_practice(page, edge.url, "shellrunners")
        tick = await wait_tick_above(page, 0)
        for label in ("◀ Left", "Right ▶", "Jump"):
            await page.get_by_role("button", name=label).tap()
            tick = await wait_tick_above(page, tick + 3)
        await page.locator("#scene").tap(position={"x": 10, "y": 200})  # the left third: left
        await assert_never_listed(page, edge.url, "shellrunners", session["sessionId"])
        overlay = page.locator("#stage .overlay")
        await expect(overlay).to_be_visible(timeout=90_000)  # untouched, the crab soon hits something
        await expect(overlay.locator("[data-end=detail]")).to_contain_text("collision")
        assert [i["action"] for i in inputs] == ["left", "right", "jump", "left"]
        tab.assert_policy_kept()
    finally:
        await context.close()


async def fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at phone width"
    box = await page.locator("#scene").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


async def test_both_game_pages_fit_a_phone_screen(edge, browser: Browser) -> None:
    context, tab = await open_tab(browser, viewport=PHONE)
    try:
        page = tab.page
        await page.goto(f"{edge.url}/games/shellrunners")
        async with live_bot(edge.url, "shellrunners", "phone-watched") as bot:
            await card(page, bot.session_id).locator("button.watch").click()
            await wait_tick_above(page, 0)
            await fits(page)
            # Watching live: the rewind controls show, whole, within the screen.
            for control in ("#rewind", "[data-rewind=scrub]", "[data-rewind=play]", "[data-rewind=live]"):
                await expect(page.locator(control)).to_be_visible()
                box = await page.locator(control).bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], control
        await page.goto(f"{edge.url}/games/flappy-bots")
        await fits(page)
        await page.goto(f"{edge.url}/")
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.assert_policy_kept()
    finally:
        await context.close()
