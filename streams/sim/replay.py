"""Runs as folds: replay an input log, or record one by letting a policy play.

An input log is a sequence whose item ``i`` holds the actions applied when stepping to
tick ``i + 1``; its length is the number of ticks to run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from streams.sim.bots import Policy
from streams.sim.engine import GameEngine, Step

InputLog = Sequence[tuple[str, ...]]


def replay(engine: GameEngine, seed: int, inputs: InputLog) -> Iterator[Step]:
    """The steps of a run: one per logged tick, stopping early if the run ends."""
    state = engine.initial_state(seed)
    for actions in inputs:
        step = engine.step(state, actions)
        yield step
        if step.ended:
            return
        state = step.state


def record(engine: GameEngine, seed: int, policy: Policy, max_ticks: int) -> list[tuple[str, ...]]:
    """The input log of ``policy`` playing from ``seed`` until the run ends or ``max_ticks``."""
    inputs: list[tuple[str, ...]] = []
    state = engine.initial_state(seed)
    while len(inputs) < max_ticks:
        action = policy(engine.frame(state))
        inputs.append((action,) if action is not None else ())
        step = engine.step(state, inputs[-1])
        if step.ended:
            break
        state = step.state
    return inputs
