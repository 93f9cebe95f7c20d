"""An expired spectate token in a real browser: the page renews it by itself, same seat.

The edge here issues 3-second tokens (``MOLT_EDGE_TOKEN_TTL_S``). A token is checked
when a socket authenticates, so the page notices expiry when its socket drops after the
token expired: the test lets the token expire, then drops the page's connection to the
edge (Playwright routes the page's WebSocket through itself and closes the server side).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import WebSocketRoute, expect

from molt.stack import Edge, Stack
from tests.web.conftest import Tab, canvas_tick, card, live_bot, wait_tick_above

pytestmark = pytest.mark.integration

GAME = "shellrunners"
TOKEN_TTL_S = 3


@pytest.fixture(scope="module")
def short_token_edge(stack: Stack) -> Edge:
    return stack.start_edge("edge-short-tokens", env={"MOLT_EDGE_TOKEN_TTL_S": str(TOKEN_TTL_S)})


async def test_an_expired_token_is_renewed_and_the_seat_is_not_taken_twice(short_token_edge: Edge, tab: Tab) -> None:
    edge, page = short_token_edge, tab.page
    to_edge: list[WebSocketRoute] = []  # the page's connections to the edge, in order
    refusals: list[str] = []
    token_requests: list[dict] = []

    def relay(page_side: WebSocketRoute) -> None:
        edge_side = page_side.connect_to_server()
        to_edge.append(edge_side)

        def from_edge(message: str | bytes) -> None:
            data = json.loads(message)
            if data["t"] == "error":
                refusals.append(data["code"])
            page_side.send(message)

        edge_side.on_message(from_edge)
        page_side.on_message(edge_side.send)

    await page.route_web_socket(re.compile(rf"/ws/{GAME}/spectate"), relay)
    page.on(
        "request",
        lambda r: token_requests.append(r.post_data_json or {}) if r.url.endswith("/spectate-token-public") else None,
    )
    await page.goto(f"{edge.url}/games/{GAME}")
    async with live_bot(edge.url, GAME, "long-watched") as bot:
        async with page.expect_response(lambda r: r.url.endswith("/spectate-token-public")) as answer:
            await card(page, bot.session_id).locator("button.watch").click()
        token = await (await answer.value).json()
        assert token["expiresIn"] == TOKEN_TTL_S
        await wait_tick_above(page, 0)
        spectators = page.locator("[data-hud=spectators]")
        await expect(spectators).to_have_text("Spectators 1/50")
        # The open socket outlives its token; then the connection drops.
        await page.wait_for_function("at => Date.now() > Date.parse(at) + 500", arg=token["expiresAt"])
        assert refusals == [] and len(to_edge) == 1
        dropped_at = await canvas_tick(page)
        await to_edge[0].close()
        # The page rejoins, is refused TOKEN_EXPIRED, asks again as the same viewer, watches on.
        await wait_tick_above(page, dropped_at + 30)
        await bot.check_playing()
        assert refusals == ["TOKEN_EXPIRED"]
        assert len(to_edge) == 3, "the rejoin with the held token, then the one with the new token"
        assert [r.get("viewerId") for r in token_requests] == [None, token["viewerId"]]
        await expect(spectators).to_have_text("Spectators 1/50")
        session = await bot.client.session(GAME, bot.session_id)
        assert session["spectatorsCurrent"] == 1
