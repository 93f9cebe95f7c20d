"""Every place that lists the games names exactly the games of the engine registry.

A game is more than its engine: it has a reference bot, a golden replay, a reward rule,
a page, a scene that draws it, practice controls and a benchmark target, each kept in
a registry of its own (docs/adding-a-game.md walks through them in order). Each set of
slugs here is read from the code or the files themselves, never written down, so a
game added in one place and forgotten in another fails here, naming the place.

The page's registries are object literals in JavaScript modules; ``js_object_keys``
reads their top-level keys, and tests itself on the shapes those literals use.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from app.web.pages import GAMES
from molt.bench import quiet
from molt.commands.bench_sim import TARGETS
from streams.rewards.rules import RULES
from streams.sim import bots
from streams.sim.registry import ENGINES
from tests.golden.regenerate import GOLDEN_DIR

STATIC = Path(__file__).parent.parent / "app" / "web" / "static"

# A string, a line comment, an identifier or any other single character.
_TOKEN = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|//[^\n]*|[A-Za-z_$][\w$]*|\S""")
_OPENING, _CLOSING = "{[(", "}])"


def js_object_keys(source: str, name: str) -> set[str]:
    """The top-level keys of the object literal a module assigns to ``const name``.

    A key is the first token of an entry: a quoted string or a bare identifier (the
    shorthand ``{ shellrunners }`` included). Nested literals, strings and comments
    are stepped over whole.
    """
    start = re.search(rf"\bconst {re.escape(name)} = \{{", source)
    assert start is not None, f"no `const {name} = {{` in the module"
    keys: set[str] = set()
    depth, entry_starts = 1, True
    for token in _TOKEN.finditer(source, start.end()):
        text = token.group()
        if text.startswith("//"):
            continue
        if depth == 1 and entry_starts and text not in _CLOSING:
            keys.add(ast.literal_eval(text) if text[0] in "\"'" else text)
        entry_starts = depth == 1 and text == ","
        if text in _OPENING:
            depth += 1
        elif text in _CLOSING:
            depth -= 1
            if depth == 0:
                return keys
    raise AssertionError(f"`const {name}` is not closed")


def _static(name: str) -> str:
    return (STATIC / name).read_text()


# Private registries are read on purpose: they are what a new game must be added to.
REGISTRIES: dict[str, Callable[[], set[str]]] = {
    "reference policies (streams/sim/bots.py _POLICIES)": lambda: set(bots._POLICIES),
    "quiet bounds of the policies (molt/bench/quiet.py _QUIETS)": lambda: set(quiet._QUIETS),
    "golden replay files (tests/golden/*.json)": lambda: {path.stem for path in GOLDEN_DIR.glob("*.json")},
    "reward rules (streams/rewards/rules.py RULES)": lambda: set(RULES),
    "game pages (app/web/pages.py GAMES)": lambda: set(GAMES),
    "scenes the stage draws (app/web/static/stage.js SCENES)": lambda: js_object_keys(_static("stage.js"), "SCENES"),
    "practice keys (app/web/static/practice.js KEYS)": lambda: js_object_keys(_static("practice.js"), "KEYS"),
    "practice buttons (app/web/static/practice.js PAD)": lambda: js_object_keys(_static("practice.js"), "PAD"),
    "bench sim targets (molt/commands/bench_sim.py TARGETS)": lambda: set(TARGETS),
}


@pytest.mark.parametrize("place", REGISTRIES)
def test_the_registry_names_exactly_the_engines_games(place: str) -> None:
    assert REGISTRIES[place]() == set(ENGINES), place


def test_the_stage_imports_every_scene_module_and_each_draws_what_it_needs() -> None:
    imported = set(re.findall(r'^import \* as \w+ from "\./(scene-[\w-]+\.js)";$', _static("stage.js"), re.MULTILINE))
    assert imported == {path.name for path in STATIC.glob("scene-*.js")}
    for name in imported:
        # What Stage reads from a scene: its canvas size, how to draw a state, its score line.
        exported = set(re.findall(r"^export (?:const|function) (\w+)", _static(name), re.MULTILINE))
        assert {"size", "draw", "score"} <= exported, name


def test_the_key_reader_sees_top_level_keys_only() -> None:
    source = """
    const OTHER = { nope: 1 };
    export const PAD = {
      "flappy-bots": [["flap", "Flap, now"]],  // a comma, in a comment: not a key
      'single-quoted': { " ": "x", inner: "y" },
      shorthand,
      plain: (a, b) => ({ deeper: a }),
      "with \\" quote": "{[",
    };
    """
    assert js_object_keys(source, "PAD") == {"flappy-bots", "single-quoted", "shorthand", "plain", 'with " quote'}
    assert js_object_keys(source, "OTHER") == {"nope"}
    with pytest.raises(AssertionError):
        js_object_keys(source, "MISSING")
