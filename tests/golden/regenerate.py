"""Regenerate the golden replay files — only when a rules change is deliberate.

    .venv/bin/python -m tests.golden.regenerate

Each file pins one run per game: the config, the seed, a sparse input log
(``{"tick": [actions]}``), the state hash after every tick, and the final hash, score and
end reason. ``tests/sim/test_replay.py`` replays them; any unintended change to the
rules, the PRNG or the state encoding fails there. When a change is intended, bump the
game's ``engine_version``, run this script and commit the new files with the change.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from streams.sim.bots import reference_policy
from streams.sim.engine import GameEngine
from streams.sim.registry import ENGINES
from streams.sim.replay import record, replay

GOLDEN_DIR = Path(__file__).parent
SEED = 20_240_601
# The bot plays this many ticks, then lets go until the run ends by collision, so the
# file covers scoring, the difficulty ramp and a fatal collision.
BOT_TICKS = 1_500
IDLE_TICKS = 600


def golden_path(slug: str) -> Path:
    return GOLDEN_DIR / f"{slug}.json"


def inputs_of(golden: dict[str, Any]) -> list[tuple[str, ...]]:
    log = golden["inputs"]
    return [tuple(log.get(str(tick), ())) for tick in range(1, golden["ticks"] + 1)]


def build(engine: GameEngine) -> dict[str, Any]:
    inputs = record(engine, SEED, reference_policy(engine.slug), BOT_TICKS) + [()] * IDLE_TICKS
    steps = list(replay(engine, SEED, inputs))
    final = steps[-1]
    return {
        "slug": engine.slug,
        "engine_version": engine.engine_version,
        "config": dataclasses.asdict(engine.config),
        "seed": SEED,
        "ticks": len(steps),
        "inputs": {str(tick): list(actions) for tick, actions in enumerate(inputs[: len(steps)], 1) if actions},
        "final_hash": engine.state_hash(final.state),
        "final_score": final.score,
        "end_reason": final.end_reason,
        "hashes": [engine.state_hash(step.state) for step in steps],
    }


def dump(golden: dict[str, Any]) -> str:
    """JSON with one line per field and per tick hash, so a rules change diffs readably."""
    fields = [
        f"{json.dumps(key)}: {json.dumps(value, separators=(', ', ': '))}"
        for key, value in golden.items()
        if key != "hashes"
    ]
    hashes = ",\n  ".join(map(json.dumps, golden["hashes"]))
    return "{\n " + ",\n ".join(fields) + f',\n "hashes": [\n  {hashes}\n ]\n}}\n'


def main() -> None:
    for slug, engine in ENGINES.items():
        golden = build(engine)
        golden_path(slug).write_text(dump(golden))
        print(f"{golden_path(slug)}: {golden['ticks']} ticks, score {golden['final_score']}, {golden['end_reason']}")


if __name__ == "__main__":
    main()
