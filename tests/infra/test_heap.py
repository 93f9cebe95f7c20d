"""``infra.heap.settle``: the objects of a started process leave the collector's full passes."""

from __future__ import annotations

import json
import subprocess
import sys

from infra import heap

PROBE = """
import gc, json
from infra import heap
before = gc.get_freeze_count()
heap.settle()
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def test_settle_freezes_what_exists_and_widens_the_young_generations() -> None:
    # In a process of its own: settling changes the collector for the whole process.
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report["before"] == 0
    assert report["after"] > 1000  # the interpreter's and the imports' objects at least
    assert report["threshold"] == [heap.YOUNG_THRESHOLD, heap.MIDDLE_THRESHOLD, heap.OLD_THRESHOLD]
