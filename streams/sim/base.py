"""The game-independent half of an engine: action checks, ending, codec, hash, accessors.

Each game's state is a NamedTuple of ints, strs, None and nested tuples of ints, with at
least the fields ``tick``, ``score``, ``end_reason`` (None while the run is live) and
``hit`` (what ended it, for renderers and tests). Those shared field names are what let
the runtime read any game's state without knowing the game.

The canonical encoding is compact JSON ``[engine_version, *fields]`` (written by orjson,
byte for byte what ``json.dumps`` with compact separators writes for these types): JSON
is canonical for these types on every platform, and the leading version makes a state persisted under
other rules fail loudly on decode instead of replaying wrongly.

Both games scroll at a speed that ramps up in steps over time, so ``speed_at`` lives
here too, reading ``speed_start``, ``speed_step``, ``speed_ramp_ticks`` and ``speed_max``
from the game's config.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, ClassVar, Protocol

import orjson

from streams.sim.engine import UNKNOWN_ACTION, Rejection, RunState, Step

__all__ = ["EngineBase", "check_positive", "compiled_frames", "compiled_steps"]

try:  # the C frame writers, compiled when the project is installed (see framejson.pyx)
    from streams.sim import framejson as compiled_frames
except ImportError:  # a source tree without the build: frames come from ``frame`` alone
    compiled_frames = None  # type: ignore[assignment]
try:  # the C steppers, compiled alongside (see steps.pyx)
    from streams.sim import steps as compiled_steps
except ImportError:  # without the build: every step is the Python reference
    compiled_steps = None  # type: ignore[assignment]


class FrameWriter(Protocol):
    def json(self, state: Any) -> str | None: ...


class Stepper(Protocol):
    def step(self, state: Any, actions: tuple[str, ...]) -> Step | None: ...


class SpeedKnobs(Protocol):
    """The config fields ``speed_at`` reads; every game's config has them."""

    @property
    def speed_start(self) -> int: ...

    @property
    def speed_step(self) -> int: ...

    @property
    def speed_ramp_ticks(self) -> int: ...

    @property
    def speed_max(self) -> int: ...


def _tuplify(value: Any) -> Any:
    return tuple(map(_tuplify, value)) if isinstance(value, list) else value


def check_positive(config: Any) -> None:
    """Every config knob is a positive int (directions live in the rules, not the sign of
    a knob), so one check serves every game."""
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if type(value) is not int or value <= 0:
            raise ValueError(f"{type(config).__name__}.{field.name} must be a positive int, got {value!r}")


class EngineBase:
    slug: ClassVar[str]
    engine_version: ClassVar[int]
    actions: ClassVar[frozenset[str]]
    state_type: ClassVar[Any]  # the game's NamedTuple class
    config: Any
    # A compiled writer of this game's frame JSON (framejson.pyx), when there is one.
    frame_writer: FrameWriter | None = None
    # A compiled twin of this game's ``step`` (steps.pyx), when there is one.
    stepper: Stepper | None = None

    def step(self, state: Any, actions: tuple[str, ...]) -> Step:
        raise NotImplementedError

    def frame(self, state: Any) -> dict[str, Any]:
        raise NotImplementedError

    def speed_at(self, tick: int) -> int:
        c: SpeedKnobs = self.config
        return min(c.speed_max, c.speed_start + (tick // c.speed_ramp_ticks) * c.speed_step)

    def validate_action(self, action: str) -> Rejection | None:
        if action in self.actions:
            return None
        return Rejection(UNKNOWN_ACTION, f"{self.slug} accepts {sorted(self.actions)}, not {action!r}")

    def end(self, state: Any, reason: str) -> Any:
        # The first end wins: an ended run stays ended for the reason it ended.
        if state.end_reason is not None:
            return state
        return state._replace(end_reason=reason)

    def advance(self, state: Any, actions: tuple[str, ...]) -> Step:
        """``step(state, actions)``, by the compiled stepper where it can be exact, else ``step``."""
        if self.stepper is not None:
            step = self.stepper.step(state, actions)
            if step is not None:
                return step
        return self.step(state, actions)

    def frame_json(self, state: Any) -> str:
        """``frame(state)`` as compact JSON text, exactly as orjson writes it: a SessionFrame's
        ``frameJson``. The compiled writer writes it where it can be exact, ``frame`` otherwise."""
        if self.frame_writer is not None:
            text = self.frame_writer.json(state)
            if text is not None:
                return text
        return orjson.dumps(self.frame(state)).decode()

    def encode_state(self, state: Any) -> bytes:
        return orjson.dumps((self.engine_version, *state))

    def decode_state(self, data: bytes) -> Any:
        version, *fields = orjson.loads(data)
        if version != self.engine_version:
            raise ValueError(f"{self.slug} state is from engine v{version}, this is v{self.engine_version}")
        return self.state_type._make(map(_tuplify, fields))

    def state_hash(self, state: Any) -> str:
        return hashlib.blake2b(self.encode_state(state), digest_size=16).hexdigest()

    def tick_of(self, state: RunState) -> int:
        return state.tick

    def score_of(self, state: RunState) -> int:
        return state.score

    def is_ended(self, state: RunState) -> bool:
        return state.end_reason is not None

    def end_reason_of(self, state: RunState) -> str | None:
        return state.end_reason

    def _unchanged(self, state: Any) -> Step:
        return Step(state, True, state.end_reason, state.score)

    def _frame_header(self, state: Any) -> dict[str, Any]:
        ended = state.end_reason is not None
        return {
            "game": self.slug,
            "tick": state.tick,
            "score": state.score,
            "alive": not ended,
            "ended": ended,
            "end_reason": state.end_reason,
            "hit": state.hit,
        }
