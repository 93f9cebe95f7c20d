"""Rewinding a live run in a real browser (time-shift): scrub back, the stage shows that
tick's state as the log has it, play on from there, go back to live; the spectate socket
stays open throughout, so the seat and the session's spectator count never change.

The run is a ShellRunners bot's (tests/web/pilots.py); the controls are the same for both games.
"""

from __future__ import annotations

import pytest
from playwright.async_api import WebSocket, expect

from tests.web.conftest import Tab, canvas_tick, card, live_bot, screenshot_path, wait_tick_above

pytestmark = pytest.mark.integration

GAME = "shellrunners"
BACK_TO = 60
# The stage's canvas against the state drawn afresh by the page's own scene code.
DRAWN_AS = """async (state) => {
  const scene = await import("/static/scene-shellrunners.js");
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const shown = document.querySelector("#scene");
  const fresh = document.createElement("canvas");
  fresh.width = shown.width;
  fresh.height = shown.height;
  scene.draw(fresh.getContext("2d"), state);
  return fresh.toDataURL() === shown.toDataURL();
}"""
SCRUB_TO = """(input, tick) => {
  input.value = String(tick);
  input.dispatchEvent(new Event("input"));
  input.dispatchEvent(new Event("change"));
}"""


async def test_a_viewer_rewinds_a_live_run_plays_on_and_goes_back_live_on_the_same_seat(edge, tab: Tab) -> None:
    page = tab.page
    sockets: list[WebSocket] = []
    page.on("websocket", lambda socket: sockets.append(socket))
    await page.goto(f"{edge.url}/games/{GAME}")
    async with live_bot(edge.url, GAME, "rewound-bot") as bot:

        async def seats() -> int:
            return (await bot.client.session(GAME, bot.session_id))["spectatorsCurrent"]

        await card(page, bot.session_id).locator("button.watch").click()
        live_tick = await wait_tick_above(page, 4 * BACK_TO)
        hud = page.locator("[data-hud=spectators]")
        await expect(hud).to_have_text("Spectators 1/50")
        assert await seats() == 1
        rewind = page.locator("#rewind")
        await expect(rewind).to_have_attribute("data-mode", "live")
        await expect(rewind.locator("[data-rewind=where]")).to_have_text("Live")

        async with page.expect_response(lambda r: f"/{bot.session_id}/frames?" in r.url) as answer:
            await rewind.locator("[data-rewind=scrub]").evaluate(SCRUB_TO, BACK_TO)
        response = await answer.value
        assert response.status == 200, await response.text()
        logged = (await response.json())["frames"][0]
        assert logged["tick"] == BACK_TO
        await expect(page.locator("#scene")).to_have_attribute("data-tick", str(BACK_TO))
        await expect(rewind).to_have_attribute("data-mode", "rewound")
        assert await page.evaluate(DRAWN_AS, logged["state"]), "the canvas does not show that tick's state"
        await expect(page.locator("[data-hud=score]")).to_have_text(
            f"Score {logged['state']['score']} · Shells {logged['state']['shells']}"
        )
        # Paused there while the socket's frames go on moving the live end of the scrubber.
        await page.wait_for_function(
            "tick => Number(document.querySelector('[data-rewind=scrub]').max) > tick", arg=live_tick + 30
        )
        assert await canvas_tick(page) == BACK_TO
        assert await seats() == 1

        await rewind.locator("[data-rewind=play]").click()
        await expect(rewind.locator("[data-rewind=play]")).to_have_text("Pause")
        played = await wait_tick_above(page, BACK_TO + 60)
        assert played < live_tick, "playing on from the rewound tick, behind live"
        await expect(rewind.locator("[data-rewind=where]")).to_contain_text("s behind")
        await expect(hud).to_have_text("Spectators 1/50")
        stage, controls = await page.locator("#stage").bounding_box(), await rewind.bounding_box()
        assert stage is not None and controls is not None
        scrolled = await page.evaluate("window.scrollY")
        clip = {"x": stage["x"], "y": stage["y"] + scrolled, "width": stage["width"]}
        clip["height"] = controls["y"] + controls["height"] - stage["y"]
        await page.screenshot(path=screenshot_path("rewind.png"), clip=clip, full_page=True)
        assert await seats() == 1

        await rewind.locator("[data-rewind=live]").click()
        await expect(rewind).to_have_attribute("data-mode", "live")
        await wait_tick_above(page, live_tick + 60)
        await expect(hud).to_have_text("Spectators 1/50")
        assert await seats() == 1
        await bot.check_playing()
        # One socket all along, still open; one seat asked for.
        assert len(sockets) == 1 and not sockets[0].is_closed()
        assert len(tab.asked("POST", "/spectate-token-public")) == 1
