from __future__ import annotations

import pytest

from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES, engine_for


def test_offers_both_games_at_30_hz() -> None:
    assert set(ENGINES) == {"flappy-bots", "shellrunners"}
    for slug, engine in ENGINES.items():
        assert engine.slug == slug and engine.engine_version >= 1
        assert engine.config.tick_rate == 30 and engine.config.max_ticks > 30 * 60
        assert all(
            callable(getattr(engine, name))
            for name in GameEngine.__dict__
            if not name.startswith("_") and name not in ("slug", "engine_version", "config")
        )


def test_engine_for_overrides_config_without_touching_the_default() -> None:
    engine = engine_for("shellrunners", tick_rate=60, max_ticks=100)
    assert (engine.config.tick_rate, engine.config.max_ticks) == (60, 100)
    assert ENGINES["shellrunners"].config.tick_rate == 30
    assert engine_for("flappy-bots") is ENGINES["flappy-bots"]


@pytest.mark.parametrize(
    ("slug", "overrides", "error"),
    [
        ("chess", {}, KeyError),
        ("flappy-bots", {"tick_rte": 30}, TypeError),
        ("flappy-bots", {"max_ticks": 0}, ValueError),
        ("flappy-bots", {"gap_start": 500_000}, ValueError),
        ("shellrunners", {"tick_rate": 30.0}, ValueError),
    ],
)
def test_rejects_unknown_games_and_bad_configs(slug: str, overrides: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        engine_for(slug, **overrides)
