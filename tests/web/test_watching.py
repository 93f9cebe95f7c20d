"""Watching a live run in a real browser: frames on the canvas, counts, both token flows,
full capacity, and the end of a run.

The runs are ShellRunners bots' (tests/web/pilots.py: they outlast a test on a loaded
box); the page's drawing and flows are the same for both games.
"""

from __future__ import annotations

import json

import httpx
import pytest
from eth_account import Account
from playwright.async_api import expect
from websockets.asyncio.client import connect

from tests.wallets import sign
from tests.web.conftest import Tab, canvas_tick, card, live_bot, screenshot_path, wait_tick_above

pytestmark = pytest.mark.integration

GAME = "shellrunners"
WALLET_KEY = "0x" + "7e" * 32
FAKE_PROVIDER = """
window.ethereum = {
  async request({ method, params }) {
    if (method === "eth_requestAccounts") return [await window.testWalletAddress()];
    if (method === "personal_sign") return await window.testWalletSign(params[0]);
    throw new Error(`unsupported ${method}`);
  },
};
"""


async def public_token(edge_url: str, session_id: str, viewer: str | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge_url, timeout=30) as http:
        return await http.post(
            f"/api/games/{GAME}/sessions/{session_id}/spectate-token-public",
            json={"viewerId": viewer} if viewer else None,
        )


async def watch(tab: Tab, edge_url: str, session_id: str) -> None:
    await tab.page.goto(f"{edge_url}/games/{GAME}")
    await card(tab.page, session_id).locator("button.watch").click()


async def test_watching_renders_moving_frames_and_the_count_follows(edge, tab: Tab) -> None:  # noqa: ANN001
    page = tab.page
    async with live_bot(edge.url, GAME, "watched-bot") as bot:
        await watch(tab, edge.url, bot.session_id)
        first_tick = await wait_tick_above(page, 0)
        before = await page.locator("#scene").screenshot()
        await wait_tick_above(page, first_tick + 15)
        after = await page.locator("#scene").screenshot()
        assert before != after, "the canvas did not change between two frames"
        spectators = page.locator("[data-hud=spectators]")
        await expect(spectators).to_have_text("Spectators 1/50")
        # No wallet: the public flow, and only it.
        assert tab.asked("POST", "/spectate-token-public") and not tab.asked("POST", "/spectate-token")
        # A second viewer joins: the page's count follows, live.
        token = await public_token(edge.url, bot.session_id)
        assert token.status_code == 200, token.text
        async with connect(token.json()["wsUrl"]) as other:
            await other.send(json.dumps({"t": "auth", "token": token.json()["token"]}))
            assert json.loads(await other.recv())["t"] == "welcome"
            await expect(spectators).to_have_text("Spectators 2/50")
            await page.locator("#stage").screenshot(path=screenshot_path("spectator-view.png"))
        await expect(spectators).to_have_text("Spectators 1/50")


async def test_with_a_wallet_the_page_uses_the_authenticated_flow(edge, browser) -> None:  # noqa: ANN001
    context = await browser.new_context()
    try:
        address = Account.from_key(WALLET_KEY).address
        await context.expose_function("testWalletAddress", lambda: address)
        await context.expose_function("testWalletSign", lambda hex_text: sign(bytes.fromhex(hex_text[2:]).decode(), WALLET_KEY))
        await context.add_init_script(FAKE_PROVIDER)
        page = await context.new_page()
        tab = Tab(page)
        page.on("request", lambda request: tab.requests.append((request.method, request.url.split("?")[0])))
        async with live_bot(edge.url, GAME, "wallet-watched") as bot:
            await page.goto(f"{edge.url}/games/{GAME}")
            await page.get_by_role("button", name="Connect wallet").click()
            await expect(page.locator("#wallet-status")).to_have_text(f"Signed in as {address[:6]}…{address[-4:]}")
            assert tab.asked("POST", "/api/auth/wallet/nonce") and tab.asked("POST", "/api/auth/wallet/verify")
            async with page.expect_response(lambda r: r.url.endswith("/spectate-token")) as answer:
                await card(page, bot.session_id).locator("button.watch").click()
            token = await (await answer.value).json()
            assert token["viewerId"] == address, "the seat is the wallet's"
            await wait_tick_above(page, 0)
            await expect(page.locator("[data-hud=spectators]")).to_have_text("Spectators 1/50")
            assert not tab.asked("POST", "/spectate-token-public")
            # The access session is the HttpOnly cookie: scripts never see the token.
            cookies = {c["name"]: c for c in await context.cookies()}
            assert cookies["molt_access"]["httpOnly"] and "molt_access" not in await page.evaluate("document.cookie")
    finally:
        await context.close()


async def test_a_full_session_shows_the_exact_warning_and_the_card_shows_full(edge, tab: Tab) -> None:  # noqa: ANN001
    page = tab.page
    async with live_bot(edge.url, GAME, "popular-bot", spectators_max=2) as bot:
        for viewer in ("anon_seatfiller1", "anon_seatfiller2"):
            assert (await public_token(edge.url, bot.session_id, viewer)).status_code == 200
        await page.goto(f"{edge.url}/games/{GAME}")
        listed = card(page, bot.session_id)
        await expect(listed).to_be_visible()
        bot.check_playing()
        async with page.expect_response(lambda r: r.url.endswith("/spectate-token-public")) as answer:
            await listed.locator("button.watch").click()
        refusal = await answer.value
        assert refusal.status == 409 and (await refusal.json())["code"] == "SPECTATORS_FULL"
        await expect(page.locator("#notice")).to_have_text("2/2 spectators limit reached for this livestream")
        await expect(listed).to_have_attribute("data-state", "full")
        await expect(listed.locator("[data-field=state]")).to_have_text("Full")
        await expect(listed.locator("[data-field=spectators]")).to_have_text("2/2")
        assert await canvas_tick(page) == -1, "nothing is shown of a run the page could not join"


async def test_a_watched_run_ends_with_the_result_overlay(edge, tab: Tab) -> None:  # noqa: ANN001
    page = tab.page
    async with live_bot(edge.url, GAME, "doomed-bot") as bot:
        await watch(tab, edge.url, bot.session_id)
        await wait_tick_above(page, 0)
        bot.pilot.crash = True  # the crab runs into whatever comes next
        overlay = page.locator("#stage .overlay")
        await expect(overlay).to_be_visible(timeout=60_000)
        await expect(overlay.locator("h2")).to_have_text("Run over")
        result = await bot.client.session(GAME, bot.session_id)
        detail = overlay.locator("[data-end=detail]")
        await expect(detail).to_contain_text(f"Score {result['result']['score']} · collision")
        await expect(overlay.get_by_role("button", name="Watch again")).to_be_visible()
