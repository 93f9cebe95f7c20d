"""``molt bench replay`` runs end to end on a broker of its own and writes sane figures."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from molt.processes import molt_argv

pytestmark = pytest.mark.integration

BENCH_TIMEOUT_S = 300


def test_bench_replay_writes_the_figures(topic_partitions: int, tmp_path: Path) -> None:
    out = tmp_path / "replay.json"
    argv = molt_argv(
        "bench", "replay", "--sessions", "4", "--seconds", "4",
        "--partitions", str(topic_partitions), "--json", str(out),
    )  # fmt: skip
    # A broker of its own: the bench's worker folds every partition of the session topics.
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads(out.read_text())
    assert report["runs"] >= 4 and report["runs_matched"] == report["runs"]
    assert report["ticks"] == sum(report["ticks_by_game"].values()) > 0
    assert report["frames_compared"] == report["ticks"]
    assert (
        report["replay_ticks_per_s"] > 0 and report["engine_ticks_per_s"] > report["engine_with_frames_ticks_per_s"] > 0
    )
    # Both figures are rounded from the same rate: the ratio of the rounded rate may sit
    # on the other side of .5 (2,745 / 30 = 91.5 from a rate of 2,744.9, shown as 91).
    ratio = report["replay_ticks_per_s"] / report["tick_rate"]
    assert abs(report["replay_x_realtime"] - ratio) <= 0.5 + 0.5 / report["tick_rate"]
    assert "replay from Kafka" in done.stdout
