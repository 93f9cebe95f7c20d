"""Routes of the web page: ``/`` lists the games, ``/games/{slug}`` is a game's core page.

Both games share one page template, filled with the game's slug and texts, so they
expose the same watch-live and practice pattern; the scripts under ``/static`` do the
rest against the public API. ``GAMES`` names exactly the games of ``ENGINES`` (a test
holds them equal). Pages are left out of the OpenAPI document: they are not API.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
STATIC = StaticFiles(directory=HERE / "static")

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class GamePage:
    title: str
    tagline: str
    controls: str


GAMES = {
    "flappy-bots": GamePage(
        "Flappy Bots",
        "A bot flaps through the gaps of scrolling pipes. Score: pipes passed.",
        "Space, ↑ or a tap on the game: flap",
    ),
    "shellrunners": GamePage(
        "ShellRunners",
        "A crab runs down three lanes of a beach: jump rocks, duck gulls, dodge walls, grab shells.",
        "← → change lane, ↑ or Space jump, ↓ duck (or the buttons below the game)",
    ),
}


@cache
def _template(name: str) -> str:
    return (HERE / "templates" / name).read_text()


def _fill(name: str, **values: str) -> str:
    page = _template(name)
    for key, value in values.items():
        page = page.replace("{{" + key + "}}", html.escape(value))
    return page


@router.get("/", response_class=HTMLResponse)
async def home() -> HTMLResponse:
    cards = "".join(
        f'<li class="game-card"><a href="/games/{slug}"><h2>{html.escape(g.title)}</h2>'
        f'<p>{html.escape(g.tagline)}</p><span class="cta">Watch live &amp; play →</span></a></li>'
        for slug, g in GAMES.items()
    )
    return HTMLResponse(_template("index.html").replace("{{games}}", cards))


@router.get("/games/{slug}", response_class=HTMLResponse)
async def game(slug: str) -> HTMLResponse:
    page = GAMES.get(slug)
    if page is None:
        return HTMLResponse(_fill("missing.html", slug=slug), status_code=404)
    return HTMLResponse(_fill("game.html", slug=slug, title=page.title, tagline=page.tagline, controls=page.controls))
