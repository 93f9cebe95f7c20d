"""Types of the compiled steppers (steps.pyx), for the type checker."""

from typing import Any

from streams.sim.engine import Step

def holds(config: Any) -> bool: ...

class FlappyStepper:
    def __init__(self, engine: Any, flap: str) -> None: ...
    def step(self, state: Any, actions: tuple[str, ...]) -> Step | None: ...

class ShellStepper:
    def __init__(
        self,
        engine: Any,
        *,
        heights: tuple[int, ...],
        spans: tuple[Any, ...],
        kind_names: tuple[str, ...],
        wall_masks: tuple[int, ...],
        lanes: int,
        trail: int,
        trail_step: int,
        shell: int,
        wall: int,
        actions: tuple[str, ...],
    ) -> None: ...
    def step(self, state: Any, actions: tuple[str, ...]) -> Step | None: ...
