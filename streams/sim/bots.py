"""Reference bots: pure functions from a client frame to an action (or None).

They see exactly what a client sees, so they double as a check that frames carry enough
to play, and their recorded inputs give benchmarks and golden files long runs.

``lead_ticks`` is how many ticks after the frame's tick the bot expects its input to
apply: 0 when the input reaches the worker before the next tick, 1 for a bot a tick
away (the next tick started before its input was read). A Flappy Bots bot that answers
frames as if its inputs applied at once soon dies once they do not; with a lead it
flaps for the bird as it will be when the input lands: fallen unflapped, the pipes
scrolled on by the frame's speed (``tests/sim/test_bots.py`` plays both, with inputs
late and on time). ShellRunners' bot needs no lead (see its policy).

The predicates the policies decide by (``fall``, ``pipe_ahead``, ``pipe_floor``,
``sinks_below``) and their look-aheads are public: the benchmark's bots ask the same
questions ahead of time to skip frames (``molt.bench.quiet``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

from streams.sim.flappy import FlappyConfig

Frame = dict[str, Any]
Policy = Callable[[Frame], str | None]


class PlanningPolicy(Protocol):
    """A game's bot: the action for a frame, planned for inputs ``lead_ticks`` later."""

    def __call__(self, frame: Frame, lead_ticks: int = 0) -> str | None: ...


# Flappy: how far above the gap's lower edge the bird's underside should stay.
_FLAP_CLEARANCE = 8_000
# The fall a bot predicts over its lead: the rules' own gravity (frames do not carry it).
_FLAPPY = FlappyConfig()


def fall(y: int, vy: int, ticks: int) -> tuple[int, int]:
    """The bird's (y, vy) after ``ticks`` ticks unflapped, by the rules' gravity."""
    for _ in range(ticks):
        vy = min(vy + _FLAPPY.gravity, _FLAPPY.terminal_velocity)
        y += vy
    return y, vy


def pipe_ahead(frame: Frame, lead_ticks: int) -> dict[str, Any] | None:
    """The pipe to fly for: the first not yet behind the bird once the lead has scrolled by."""
    bird = frame["bird"]
    back, scrolled = bird["x"] - bird["radius"], lead_ticks * frame["speed"]
    return next((pipe for pipe in frame["pipes"] if pipe["x"] - scrolled + pipe["width"] > back), None)


def pipe_floor(pipe: dict[str, Any], r: int) -> int:
    return int(pipe["gap_bottom"]) - r - _FLAP_CLEARANCE


def sinks_below(y: int, vy: int, floor: int) -> bool:
    return vy >= 0 and y + vy > floor


def flappy_policy(frame: Frame, lead_ticks: int = 0) -> str | None:
    """Flap whenever the bird, moving down, would sink below the next gap's floor."""
    if frame["ended"]:
        return None
    bird = frame["bird"]
    r = bird["radius"]
    y, vy = fall(bird["y"], bird["vy"], lead_ticks)
    pipe = pipe_ahead(frame, lead_ticks)
    floor = frame["world"]["height"] - r if pipe is None else pipe_floor(pipe, r)
    return "flap" if sinks_below(y, vy, floor) else None


# ShellRunners: look-ahead in ticks before an object reaches the crab.
REACT_TICKS = 2
WALL_HORIZON_TICKS = 12


def shellrunners_policy(frame: Frame, lead_ticks: int = 0) -> str | None:
    # No use for a lead: reacting 2 ticks ahead of rocks and gulls and 12 ahead of walls
    # already leaves room for an input a tick late (tests/sim/test_bots.py plays it).
    if frame["ended"]:
        return None
    crab, speed = frame["crab"], frame["speed"]
    lane, airborne = crab["lane"], crab["pose"] == "jump"
    reach = frame["world"]["crab_length"]
    lanes = range(frame["world"]["lanes"])
    # The nearest object of each kind still ahead of or beside the crab, per lane.
    nearest: dict[tuple[int, str], int] = {}
    for obj in frame["objects"]:
        if obj["z"] + obj["length"] > 0:
            nearest.setdefault((obj["lane"], obj["kind"]), obj["z"])

    def ticks_to(target_lane: int, kind: str) -> int:
        z = nearest.get((target_lane, kind))
        return 10**9 if z is None else max(0, (z - reach) // speed)

    def danger(target_lane: int) -> int:
        """Ticks until a wall arrives in the lane (walls are the one thing only a lane change beats)."""
        return ticks_to(target_lane, "wall")

    if danger(lane) <= WALL_HORIZON_TICKS:
        best = max(lanes, key=lambda other: (danger(other), -abs(other - lane)))
        if best != lane:
            return "left" if best < lane else "right"
    if ticks_to(lane, "rock") <= REACT_TICKS and not airborne:
        return "jump"
    if ticks_to(lane, "gull") <= REACT_TICKS and not airborne:
        return "duck"
    return None


_POLICIES: dict[str, PlanningPolicy] = {"flappy-bots": flappy_policy, "shellrunners": shellrunners_policy}


def reference_policy(slug: str, lead_ticks: int = 0) -> Policy:
    """The game's bot, planning for inputs that apply ``lead_ticks`` after the frame's tick."""
    check_lead(lead_ticks)
    policy = _POLICIES[slug]
    return policy if lead_ticks == 0 else partial(policy, lead_ticks=lead_ticks)


def check_lead(lead_ticks: int) -> None:
    if lead_ticks < 0:
        raise ValueError(f"lead_ticks must be 0 or more, got {lead_ticks}")
