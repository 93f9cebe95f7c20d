"""Types of the compiled frame writers (framejson.pyx), for the type checker."""

from collections.abc import Sequence
from typing import Any

class FrameWriter:
    def json(self, state: Any) -> str | None: ...

class FlappyFrameWriter(FrameWriter):
    def __init__(self, engine: Any) -> None: ...

class ShellFrameWriter(FrameWriter):
    def __init__(
        self,
        engine: Any,
        lanes: int,
        heights: tuple[int, ...],
        kind_names: tuple[str, ...],
        kind_lengths: Sequence[int],
    ) -> None: ...
