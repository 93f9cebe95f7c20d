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

``reference_quiet`` bounds how many coming frames a policy is sure to answer None, so a
bot that serves many sessions may leave them unread (the benchmark's bots do).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from streams.sim.flappy import FlappyConfig
from streams.sim.shellrunners import ShellConfig

Frame = dict[str, Any]
Policy = Callable[[Frame], str | None]
# How many of the frames after this one a policy is sure to answer None (``reference_quiet``).
Quiet = Callable[[Frame], int]

# Flappy: how far above the gap's lower edge the bird's underside should stay.
_FLAP_CLEARANCE = 8_000
# The fall a bot predicts over its lead: the rules' own gravity (frames do not carry it).
_FLAPPY = FlappyConfig()
_SHELL = ShellConfig()
# The longest quiet a bot plans: a second, well inside both games' speed ramps, so the
# world scrolls at most one ``speed_step`` faster over it than the frame says.
_QUIET_MAX = 30


def _fall(y: int, vy: int, ticks: int) -> tuple[int, int]:
    """The bird's (y, vy) after ``ticks`` ticks unflapped, by the rules' gravity."""
    for _ in range(ticks):
        vy = min(vy + _FLAPPY.gravity, _FLAPPY.terminal_velocity)
        y += vy
    return y, vy


def _pipe_ahead(frame: Frame, lead_ticks: int) -> dict[str, Any] | None:
    """The pipe to fly for: the first not yet behind the bird once the lead has scrolled by."""
    bird = frame["bird"]
    back, scrolled = bird["x"] - bird["radius"], lead_ticks * frame["speed"]
    return next((pipe for pipe in frame["pipes"] if pipe["x"] - scrolled + pipe["width"] > back), None)


def _pipe_floor(pipe: dict[str, Any], r: int) -> int:
    return pipe["gap_bottom"] - r - _FLAP_CLEARANCE


def _sinks_below(y: int, vy: int, floor: int) -> bool:
    return vy >= 0 and y + vy > floor


def flappy_policy(frame: Frame, lead_ticks: int = 0) -> str | None:
    """Flap whenever the bird, moving down, would sink below the next gap's floor."""
    if frame["ended"]:
        return None
    bird = frame["bird"]
    r = bird["radius"]
    y, vy = _fall(bird["y"], bird["vy"], lead_ticks)
    pipe = _pipe_ahead(frame, lead_ticks)
    floor = frame["world"]["height"] - r if pipe is None else _pipe_floor(pipe, r)
    return "flap" if _sinks_below(y, vy, floor) else None


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


def flappy_quiet(frame: Frame, lead_ticks: int = 0) -> int:
    """Frames after this one that ``flappy_policy`` answers None, if no flap lands meanwhile.

    Unflapped, the bird falls by the rules' gravity exactly as the policy predicts it, so
    each coming frame's question is asked here ahead of time, against the floor of the
    pipe the policy flies for now. Only as long as that pipe stays the one it flies for,
    at the fastest the world may scroll: the next pipe may not be on screen yet.
    """
    if frame["ended"]:
        return 0
    first = _pipe_ahead(frame, lead_ticks)
    if first is None:
        return 0  # a pipe that scrolls into view becomes the one to fly for at once
    bird = frame["bird"]
    r = bird["radius"]
    fastest = min(_FLAPPY.speed_max, frame["speed"] + _FLAPPY.speed_step)
    # At frame k the pipe stays first while x - (k + lead) * fastest + width > bird x - r.
    horizon = min(_QUIET_MAX, (first["x"] + first["width"] - (bird["x"] - r) - 1) // fastest - lead_ticks)
    floor = _pipe_floor(first, r)
    y, vy = _fall(bird["y"], bird["vy"], lead_ticks)
    for k in range(1, horizon + 1):
        y, vy = _fall(y, vy, 1)
        if _sinks_below(y, vy, floor):
            return k - 1
    return max(0, horizon)


def shellrunners_quiet(frame: Frame, lead_ticks: int = 0) -> int:
    """Frames after this one that ``shellrunners_policy`` answers None, if no input lands meanwhile.

    The policy acts only on a wall, rock or gull in the crab's lane within its look-ahead;
    each one here is taken to come at the fastest the world may scroll, and so is a row
    that comes into view meanwhile. The crab is taken to be on the sand (where it reacts
    to most).
    """
    if frame["ended"]:
        return 0
    lane, reach = frame["crab"]["lane"], frame["world"]["crab_length"]
    fastest = min(_SHELL.speed_max, frame["speed"] + _SHELL.speed_step)
    # Frame k sees an object nearer than its look-ahead only once
    # z - k * fastest - reach < (look-ahead + 1) * fastest.
    quiet = min(_QUIET_MAX, (frame["world"]["view_distance"] - reach) // fastest - _WALL_HORIZON_TICKS - 1)
    for obj in frame["objects"]:
        if obj["lane"] != lane or obj["z"] + obj["length"] <= 0:
            continue
        look_ahead = _LOOK_AHEAD.get(obj["kind"])
        if look_ahead is not None:
            quiet = min(quiet, (obj["z"] - reach) // fastest - look_ahead - 1)
    return max(0, quiet)


_LOOK_AHEAD = {"wall": _WALL_HORIZON_TICKS, "rock": _REACT_TICKS, "gull": _REACT_TICKS}

_POLICIES: dict[str, Policy] = {"flappy-bots": flappy_policy, "shellrunners": shellrunners_policy}
_QUIETS: dict[str, Quiet] = {"flappy-bots": flappy_quiet, "shellrunners": shellrunners_quiet}


def reference_policy(slug: str, lead_ticks: int = 0) -> Policy:
    """The game's bot, planning for inputs that apply ``lead_ticks`` after the frame's tick."""
    _check_lead(lead_ticks)
    policy = _POLICIES[slug]
    return policy if lead_ticks == 0 else partial(policy, lead_ticks=lead_ticks)


def reference_quiet(slug: str, lead_ticks: int = 0) -> Quiet:
    """For ``reference_policy(slug, lead_ticks)``: how many frames after a frame it answered
    None it is sure to answer None again, provided no input of the bot's lands meanwhile.

    A bot may skip those frames unread: it sends exactly what it would have sent. Each
    bound is taken at the fastest the world may scroll, so it errs short, never long.
    """
    _check_lead(lead_ticks)
    return partial(_QUIETS[slug], lead_ticks=lead_ticks)


def _check_lead(lead_ticks: int) -> None:
    if lead_ticks < 0:
        raise ValueError(f"lead_ticks must be 0 or more, got {lead_ticks}")
