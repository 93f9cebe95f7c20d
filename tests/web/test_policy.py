"""The page runs under its Content-Security-Policy, and the browser enforces it.

Every browser test fails on a refusal under the policy (``Tab.assert_policy_kept``);
this one shows that such a refusal is seen: script injected into the page is not run.
"""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.web.conftest import open_tab


async def test_injected_inline_script_is_refused_and_reported(edge, browser: Browser) -> None:
    context, tab = await open_tab(browser)
    try:
        page = tab.page
        response = await page.goto(f"{edge.url}/games/flappy-bots")
        assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
        # The page's own modules ran: the live list was asked for and answered.
        await expect(page.locator("#live-empty")).not_to_have_text("Loading live runs…")
        tab.assert_policy_kept()
        async with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
            await page.evaluate(
                """() => {
                    const script = document.createElement("script");
                    script.textContent = "document.body.dataset.injected = 'ran'";
                    document.body.append(script);
                }"""
            )
        assert await page.evaluate("document.body.dataset.injected") is None
        assert tab.policy_violations and "inline script" in tab.policy_violations[0]
    finally:
        await context.close()
