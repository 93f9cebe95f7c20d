"""Reference bots: pure functions from a client frame to an action (or None).

They see exactly what a client sees, so they double as a check that frames carry enough
to play, and their recorded inputs give benchmarks and golden files long runs.

``lead_ticks`` is how many ticks after the frame's tick the bot expects its input to
apply: 0 when the input reaches the worker before the next tick, 1 for a bot a tick
away (the next tick started before its input was read). A Flappy Bots bot that answers frames as
if its inputs applied at once dies quickly once they do not: with every input a tick
late it lived 440 ticks on average over 20 seeds, none of which played 3,000. With a
lead it flaps for the bird as it will be when the input lands: fallen unflapped, the
pipes scrolled on by the frame's speed. With one tick of lead, 20 of 20 seeds played
3,000 ticks with every input late, and 17 to 18 with none or 30% of them late
(``tests/sim/test_bots.py`` plays these). ShellRunners' bot needs no lead (see its policy).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from streams.sim.flappy import FlappyConfig

Frame = dict[str, Any]
Policy = Callable[[Frame], str | None]

# Flappy: how far above the gap's lower edge the bird's underside should stay.
_FLAP_CLEARANCE = 8_000
# The fall a bot predicts over its lead: the rules' own gravity (frames do not carry it).
_FLAPPY = FlappyConfig()


def flappy_policy(frame: Frame, lead_ticks: int = 0) -> str | None:
    """Flap whenever the bird, moving down, would sink below the next gap's floor."""
    if frame["ended"]:
        return None
    bird = frame["bird"]
    x, y, vy, r = bird["x"], bird["y"], bird["vy"], bird["radius"]
    for _ in range(lead_ticks):
        vy = min(vy + _FLAPPY.gravity, _FLAPPY.terminal_velocity)
        y += vy
    scrolled = lead_ticks * frame["speed"]
    floor = frame["world"]["height"] - r
    for pipe in frame["pipes"]:
        if pipe["x"] - scrolled + pipe["width"] > x - r:
            floor = pipe["gap_bottom"] - r - _FLAP_CLEARANCE
            break
    return "flap" if vy >= 0 and y + vy > floor else None


# ShellRunners: look-ahead in ticks before an object reaches the crab.
_REACT_TICKS = 2
_WALL_HORIZON_TICKS = 12


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

    if danger(lane) <= _WALL_HORIZON_TICKS:
        best = max(lanes, key=lambda other: (danger(other), -abs(other - lane)))
        if best != lane:
            return "left" if best < lane else "right"
    if ticks_to(lane, "rock") <= _REACT_TICKS and not airborne:
        return "jump"
    if ticks_to(lane, "gull") <= _REACT_TICKS and not airborne:
        return "duck"
    return None


_POLICIES: dict[str, Policy] = {"flappy-bots": flappy_policy, "shellrunners": shellrunners_policy}


def reference_policy(slug: str, lead_ticks: int = 0) -> Policy:
    """The game's bot, planning for inputs that apply ``lead_ticks`` after the frame's tick."""
    if lead_ticks < 0:
        raise ValueError(f"lead_ticks must be 0 or more, got {lead_ticks}")
    policy = _POLICIES[slug]
    return policy if lead_ticks == 0 else partial(policy, lead_ticks=lead_ticks)
