"""Browser fixtures: real Chromium through Playwright, and bots playing live sessions.

Chromium is the system's (``/usr/bin/chromium``, from Debian's packages; ``./molt.sh``
installs it), never a browser Playwright downloads. The async API runs in the test's
own event loop, next to the bots, which play through the SDK like any agent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from infra.aio import cancel_and_wait
from molt.sdk import MoltClient
from tests.web.pilots import EASY_SEEDS, Pilot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
# Generous: a loaded 2-core box runs Kafka, a worker, an edge, bots and Chromium.
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Tab:
    """A page plus what it asked the API for (method, path) in order, and what the
    browser refused under the page's Content-Security-Policy."""

    page: Page
    requests: list[tuple[str, str]] = field(default_factory=list)
    policy_violations: list[str] = field(default_factory=list)

    def asked(self, method: str, suffix: str) -> list[str]:
        return [path for m, path in self.requests if m == method and path.endswith(suffix)]

    def assert_policy_kept(self) -> None:
        assert self.policy_violations == [], "the page broke its Content-Security-Policy"


async def open_tab(browser: Browser, **context_options: object) -> tuple[BrowserContext, Tab]:
    context = await browser.new_context(**context_options)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = await context.new_page()
    tab = Tab(page)
    page.on("request", lambda request: tab.requests.append((request.method, request.url.split("?")[0])))
    # Chromium reports every refusal under the policy on the console.
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and tab.policy_violations.append(message.text),
    )
    return context, tab


@pytest.fixture
async def tab(browser: Browser) -> AsyncIterator[Tab]:
    context, opened = await open_tab(browser)
    try:
        yield opened
        opened.assert_policy_kept()
    finally:
        await context.close()


@dataclass
class LiveBot:
    client: MoltClient
    session: dict
    pilot: Pilot
    task: asyncio.Task

    @property
    def session_id(self) -> str:
        return self.session["sessionId"]

    async def check_playing(self) -> None:
        """Fail clearly if the bot's run is over (a test needs it live)."""
        if self.task.done():
            self.task.result()
            ended = await self.client.session(self.session["game"], self.session_id)
            raise AssertionError(f"the bot's run ended early (lag {self.pilot.lag} ticks): {ended}")


async def _play(client: MoltClient, game: str, session_id: str, pilot: Pilot, started: asyncio.Event) -> None:
    async with client.play(game, session_id) as socket:
        started.set()
        async for message in socket:
            if message["t"] == "frame" and (action := pilot.decide(message)) is not None:
                pilot.sent(await socket.send(action), message["tick"], action)


@contextlib.asynccontextmanager
async def live_bot(
    edge_url: str, game: str, name: str, *, seed: int | None = None, spectators_max: int | None = None
) -> AsyncIterator[LiveBot]:
    """A bot playing an api session of ``game`` in the background, until the block ends."""
    async with await MoltClient.register(edge_url, name) as client:
        seed = EASY_SEEDS[game] if seed is None else seed
        session = await client.create_session(game, seed=seed, spectators_max=spectators_max)
        pilot = Pilot(game)
        started = asyncio.Event()
        task = asyncio.create_task(_play(client, game, session["sessionId"], pilot, started))
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        await cancel_and_wait(waiter)
        if task.done():
            task.result()  # the bot failed to connect: raise why
        try:
            yield LiveBot(client, session, pilot, task)
        finally:
            await cancel_and_wait(task)


def card(page: Page, session_id: str):
    return page.locator(f'li.card[data-session-id="{session_id}"]')


async def canvas_tick(page: Page) -> int:
    value = await page.locator("#scene").get_attribute("data-tick")
    return int(value) if value else -1


async def wait_tick_above(page: Page, tick: int) -> int:
    """Wait until the stage shows a frame after ``tick``; returns the tick shown."""
    await page.wait_for_function("tick => Number(document.querySelector('#scene').dataset.tick || -1) > tick", arg=tick)
    return await canvas_tick(page)


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
