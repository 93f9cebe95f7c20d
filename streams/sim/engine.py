"""The interface every game engine implements, and the small values it trades in.

An engine is a bundle of pure functions bound to a frozen config. A run is a fold:
``state = initial_state(seed)`` then ``state = step(state, actions).state`` once per tick.
Invariants every engine keeps:

- ``step`` is deterministic: same state and actions give the same result on any machine.
- Stepping an ended state returns it unchanged; an ended run stays ended.
- The score never decreases and the tick grows by exactly one per live step.
- ``decode_state(encode_state(s)) == s`` and ``state_hash`` depends only on that encoding.
- Rule violations are values (``Rejection``), never exceptions.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

# Stable rejection codes; clients may match on them.
UNKNOWN_ACTION = "UNKNOWN_ACTION"

# End reasons the engines produce themselves; the runtime adds its own (e.g. "abandoned").
COLLISION = "collision"
MAX_DURATION = "max_duration"


class Rejection(NamedTuple):
    code: str
    message: str


class Step(NamedTuple):
    """What one tick produced: the next state and what happened to the run."""

    state: Any
    ended: bool
    end_reason: str | None
    score: int


class RunState(Protocol):
    """The fields every game's state has (each game's state is a NamedTuple of its own)."""

    @property
    def tick(self) -> int: ...

    @property
    def score(self) -> int: ...

    @property
    def end_reason(self) -> str | None: ...


class EngineConfig(Protocol):
    @property
    def tick_rate(self) -> int: ...

    @property
    def max_ticks(self) -> int: ...


class GameEngine(Protocol):
    @property
    def slug(self) -> str: ...

    @property
    def engine_version(self) -> int: ...

    @property
    def config(self) -> EngineConfig: ...

    def initial_state(self, seed: int) -> Any: ...

    def validate_action(self, action: str) -> Rejection | None: ...

    def step(self, state: Any, actions: tuple[str, ...]) -> Step: ...

    def advance(self, state: Any, actions: tuple[str, ...]) -> Step: ...

    def end(self, state: Any, reason: str) -> Any: ...

    def frame(self, state: Any) -> dict[str, Any]: ...

    def frame_json(self, state: Any) -> str: ...

    def encode_state(self, state: Any) -> bytes: ...

    def decode_state(self, data: bytes) -> Any: ...

    def state_hash(self, state: Any) -> str: ...

    def tick_of(self, state: Any) -> int: ...

    def score_of(self, state: Any) -> int: ...

    def is_ended(self, state: Any) -> bool: ...

    def end_reason_of(self, state: Any) -> str | None: ...
