"""The games this build offers, by slug, and engines with tuned configs.

``ENGINES`` holds one engine per game with its default config; ``engine_for`` builds one
with some config fields overridden (unknown fields or slugs raise: a caller bug).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from streams.sim.engine import GameEngine
from streams.sim.flappy import FlappyBots
from streams.sim.shellrunners import ShellRunners

_ENGINE_TYPES = {engine.slug: engine for engine in (FlappyBots, ShellRunners)}

ENGINES: dict[str, GameEngine] = {slug: engine_type() for slug, engine_type in _ENGINE_TYPES.items()}


def engine_for(slug: str, **config_overrides: Any) -> GameEngine:
    if slug not in _ENGINE_TYPES:
        raise KeyError(f"unknown game {slug!r}; known: {sorted(_ENGINE_TYPES)}")
    if not config_overrides:
        return ENGINES[slug]
    engine_type = _ENGINE_TYPES[slug]
    config: Any = ENGINES[slug].config  # the game's frozen dataclass
    return engine_type(dataclasses.replace(config, **config_overrides))
