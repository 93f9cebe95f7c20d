"""Reference bots: pure functions from a client frame to an action (or None).

They see exactly what a client sees, so they double as a check that frames carry enough
to play, and their recorded inputs give benchmarks and golden files long runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Frame = dict[str, Any]
Policy = Callable[[Frame], str | None]

# Flappy: how far above the gap's lower edge the bird's underside should stay.
_FLAP_CLEARANCE = 8_000


def flappy_policy(frame: Frame) -> str | None:
    """Flap whenever the bird, moving down, would sink below the next gap's floor."""
    if frame["ended"]:
        return None
    bird = frame["bird"]
    x, y, vy, r = bird["x"], bird["y"], bird["vy"], bird["radius"]
    floor = frame["world"]["height"] - r
    for pipe in frame["pipes"]:
        if pipe["x"] + pipe["width"] > x - r:
            floor = pipe["gap_bottom"] - r - _FLAP_CLEARANCE
            break
    return "flap" if vy >= 0 and y + vy > floor else None


# ShellRunners: look-ahead in ticks before an object reaches the crab.
_REACT_TICKS = 2
_WALL_HORIZON_TICKS = 12


def shellrunners_policy(frame: Frame) -> str | None:
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


def reference_policy(slug: str) -> Policy:
    return _POLICIES[slug]
