"""Quiet bounds of the reference bots: how many coming frames a policy is sure to answer None.

A bot that serves many sessions may leave those frames unread and still send exactly
what it would have sent reading every one (the benchmark's bots do, ``molt.bench.bots``).
Each bound asks the policy's own questions (``streams.sim.bots``) of the frames to
come, ahead of time, provided no input of the bot's lands meanwhile. It takes the world
to scroll at the fastest it may, so it errs short, never long.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from streams.sim.bots import (
    REACT_TICKS,
    WALL_HORIZON_TICKS,
    Frame,
    check_lead,
    fall,
    pipe_ahead,
    pipe_floor,
    sinks_below,
)
from streams.sim.flappy import FlappyConfig
from streams.sim.shellrunners import ShellConfig

# How many of the frames after this one a policy is sure to answer None.
Quiet = Callable[[Frame], int]


class PlanningQuiet(Protocol):
    """A game's quiet bound, for a bot planning inputs ``lead_ticks`` later."""

    def __call__(self, frame: Frame, lead_ticks: int = 0) -> int: ...


_FLAPPY = FlappyConfig()
_SHELL = ShellConfig()
# The longest quiet a bot plans: a second, well inside both games' speed ramps, so the
# world scrolls at most one ``speed_step`` faster over it than the frame says.
_QUIET_MAX = 30
# How far ahead, in ticks, the ShellRunners policy reacts to each kind of object.
_LOOK_AHEAD = {"wall": WALL_HORIZON_TICKS, "rock": REACT_TICKS, "gull": REACT_TICKS}


def flappy_quiet(frame: Frame, lead_ticks: int = 0) -> int:
    """Frames after this one that ``flappy_policy`` answers None, if no flap lands meanwhile.

    Unflapped, the bird falls by the rules' gravity exactly as the policy predicts it, so
    each coming frame's question is asked here ahead of time, against the floor of the
    pipe the policy flies for now. Only as long as that pipe stays the one it flies for,
    at the fastest the world may scroll: the next pipe may not be on screen yet.
    """
    if frame["ended"]:
        return 0
    first = pipe_ahead(frame, lead_ticks)
    if first is None:
        return 0  # a pipe that scrolls into view becomes the one to fly for at once
    bird = frame["bird"]
    r = bird["radius"]
    fastest = min(_FLAPPY.speed_max, frame["speed"] + _FLAPPY.speed_step)
    # At frame k the pipe stays first while x - (k + lead) * fastest + width > bird x - r.
    horizon = min(_QUIET_MAX, (first["x"] + first["width"] - (bird["x"] - r) - 1) // fastest - lead_ticks)
    floor = pipe_floor(first, r)
    y, vy = fall(bird["y"], bird["vy"], lead_ticks)
    for k in range(1, horizon + 1):
        y, vy = fall(y, vy, 1)
        if sinks_below(y, vy, floor):
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
    quiet = min(_QUIET_MAX, (frame["world"]["view_distance"] - reach) // fastest - WALL_HORIZON_TICKS - 1)
    for obj in frame["objects"]:
        if obj["lane"] != lane or obj["z"] + obj["length"] <= 0:
            continue
        look_ahead = _LOOK_AHEAD.get(obj["kind"])
        if look_ahead is not None:
            quiet = min(quiet, (obj["z"] - reach) // fastest - look_ahead - 1)
    return max(0, quiet)


_QUIETS: dict[str, PlanningQuiet] = {"flappy-bots": flappy_quiet, "shellrunners": shellrunners_quiet}


def reference_quiet(slug: str, lead_ticks: int = 0) -> Quiet:
    """For ``reference_policy(slug, lead_ticks)``: how many frames after a frame it answered
    None it is sure to answer None again, provided no input of the bot's lands meanwhile."""
    check_lead(lead_ticks)
    quiet: Quiet = partial(_QUIETS[slug], lead_ticks=lead_ticks)
    return quiet
