"""What the page's tests of watching an ended run again share: the run comes from the
replay API and plays on the stage from its first ticks to its last, where the end shows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect

from tests.web.conftest import canvas_tick


async def assert_plays_back(page: Page, session_id: str, ticks: int, start: Callable[[], Awaitable[object]]) -> None:
    """``start()`` (a click, a navigation) makes the page play ``session_id`` again, to tick ``ticks``."""
    async with page.expect_response(lambda r: r.url.endswith(f"/{session_id}/replay")) as answer:
        await start()
    assert (await answer.value).status == 200
    await page.wait_for_function(
        "() => { const t = Number(document.querySelector('#scene').dataset.tick); return t >= 0 && t < 45; }"
    )
    await expect(page.locator("#stage .overlay")).to_be_visible(timeout=90_000)
    assert await canvas_tick(page) == ticks
