"""Following Faust's rebalances: what was revoked, and when a new assignment is in place.

Faust sends the revoked set positionally to the receivers of ``on_partitions_revoked`` and
nothing to those of ``on_rebalance_complete``, and the signal itself as a keyword to both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import faust


def follow_rebalances(
    app: faust.App, on_revoked: Callable[[set[Any]], None], on_assignment_ready: Callable[[], None]
) -> None:
    """Call ``on_revoked(revoked)`` as partitions are revoked and ``on_assignment_ready()``
    once each rebalance completed."""

    async def revoked(sender: Any, *args: Any, **_: Any) -> None:
        on_revoked(args[0])

    async def completed(sender: Any, *args: Any, **_: Any) -> None:
        on_assignment_ready()

    # mode's SignalHandlerT (a union of callables with a NamedArg) matches no function
    # mypy checks, whatever its signature: the receivers here take what it sends.
    app.on_partitions_revoked.connect(revoked)  # type: ignore[arg-type]
    app.on_rebalance_complete.connect(completed)  # type: ignore[arg-type]
