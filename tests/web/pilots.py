"""Bots for browser tests that keep a run alive on a loaded machine.

The reference policies (streams/sim/bots.py) decide on the frame they see, as if the
input landed on the next tick. Behind Kafka an input lands ``lag`` ticks later, 1 to 4
and changing from one input to the next on a loaded box, and they crash within seconds.
A ``Pilot`` learns the lag from the frames' ``lastInputSeq`` and decides on the world as
it will be when its input lands. Flappy projects the bird through the flaps in flight
at the last lag measured, with a wider margin above the gap's floor (a flap too early
hits the gap's top as surely as one too late hits its floor). ShellRunners sees the
crab as its inputs in flight will leave it (one lane change, one jump or duck at a
time) and the objects closer by the distance covered at the worst recent lag plus a
few ticks (a jump or a duck a little early still clears). ``EASY_SEEDS`` are seeds on
which they lasted long in a simulation with random lags (4-12 ticks at the start, then
1-4 for Flappy: at least 12 s; 1-8 for ShellRunners: the whole 90 s simulated). Flappy
stays fragile live: tests that need a run to last use ShellRunners. ``crash`` makes a
pilot stop playing, so a test can end a run when it wants to.
"""

from __future__ import annotations

from typing import Any

from streams.sim.bots import reference_policy
from streams.sim.flappy import FlappyConfig

FLAPPY = FlappyConfig()
# How far above the next gap's lower edge to stay (the reference policy's 8_000 is too
# tight once landing times jitter).
FLAP_CLEARANCE = 20_000
# ShellRunners acts on the worst lag of the last few measured, and this many ticks
# earlier than the reference policy: a jump clears a rock if it starts anywhere from
# about 14 to 2 ticks before, so aiming early leaves room for a late landing.
LAG_WINDOW = 30
EARLY_TICKS = 4
EASY_SEEDS = {"flappy-bots": 47, "shellrunners": 32}


class Pilot:
    def __init__(self, game: str) -> None:
        self.game = game
        self.crash = False
        self._lags = [1]
        self._sent: dict[int, tuple[int, str]] = {}  # seq -> (tick of the frame it answered, action)
        self._flaps_land: list[int] = []  # ticks at which flaps in flight land
        self._seen_seq = 0

    @property
    def lag(self) -> int:
        return self._lags[-1] if self.game == "flappy-bots" else max(self._lags)

    def decide(self, frame: dict[str, Any]) -> str | None:
        tick, state = frame["tick"], frame["state"]
        self._learn(tick, frame["lastInputSeq"])
        if self.crash or state["ended"]:
            return None
        if self.game == "flappy-bots":
            return self._flap(tick, state)
        return self._run(state)

    def sent(self, seq: int, tick: int, action: str) -> None:
        self._sent[seq] = (tick, action)
        if action == "flap":
            self._flaps_land.append(tick + self.lag)

    def _learn(self, tick: int, last_seq: int) -> None:
        for seq in range(self._seen_seq + 1, last_seq + 1):
            if seq in self._sent:
                sent_tick, _ = self._sent.pop(seq)
                self._lags = [*self._lags[-LAG_WINDOW + 1 :], max(1, tick - sent_tick)]
        self._seen_seq = max(self._seen_seq, last_seq)
        self._flaps_land = [t for t in self._flaps_land if t > tick]

    def _flap(self, tick: int, state: dict[str, Any]) -> str | None:
        bird = state["bird"]
        y, vy, r = bird["y"], bird["vy"], bird["radius"]
        for t in range(tick + 1, tick + self.lag):  # up to the tick before this input lands
            vy = -FLAPPY.flap_speed if t in self._flaps_land else min(vy + FLAPPY.gravity, FLAPPY.terminal_velocity)
            y += vy
        shift = state["speed"] * self.lag
        floor = state["world"]["height"] - r
        for pipe in state["pipes"]:
            if pipe["x"] - shift + pipe["width"] > bird["x"] - r:
                floor = pipe["gap_bottom"] - r - FLAP_CLEARANCE
                break
        falling_next = min(vy + FLAPPY.gravity, FLAPPY.terminal_velocity)
        return "flap" if vy >= 0 and y + falling_next > floor else None

    def _run(self, state: dict[str, Any]) -> str | None:
        """The reference policy on the crab as its inputs in flight will leave it."""
        in_flight = [action for _, action in self._sent.values()]
        lane = state["crab"]["lane"] + in_flight.count("right") - in_flight.count("left")
        crab = {**state["crab"], "lane": max(0, min(2, lane))}
        if "jump" in in_flight or "duck" in in_flight:
            crab["pose"] = "jump"  # one jump or duck at a time
        shift = state["speed"] * (self.lag - 1 + EARLY_TICKS)
        ahead = {**state, "crab": crab, "objects": [{**o, "z": o["z"] - shift} for o in state["objects"]]}
        action = reference_policy(self.game)(ahead)
        if action in ("left", "right") and ("left" in in_flight or "right" in in_flight):
            return None  # one lane change at a time
        return action
