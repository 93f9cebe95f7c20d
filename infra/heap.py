"""Keeps the cyclic garbage collector's full passes short in the long-running processes.

A worker or an edge holds a few hundred thousand objects that live as long as the
process (modules, classes, Faust's and FastAPI's machinery). CPython's full (oldest
generation) collection walks all of them, often, each pass holding the interpreter
lock long enough to stall the worker's loop and every frame behind it.

``settle`` is called once the process has started: it collects once, then freezes
what is left (those objects are never scanned again, ``gc.freeze``), and makes the
young generations larger so short-lived frames and records die before they are
promoted. Garbage cycles are still collected, in passes over what was allocated
since.
"""

from __future__ import annotations

import gc

# Allocations (net) before a young collection; CPython's default is 700. A tick of a
# thousand sessions allocates tens of thousands of short-lived objects.
YOUNG_THRESHOLD = 50_000
# Young collections per middle one, and middle per full one (CPython: 10 and 10).
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 20


def settle() -> None:
    """Freeze the objects that exist now and set larger young generations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)
