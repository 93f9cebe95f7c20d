"""``molt bench runtime`` runs end to end on the suite's broker and writes sane figures."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from molt.processes import molt_argv

pytestmark = pytest.mark.integration

BENCH_TIMEOUT_S = 300


def test_bench_runtime_writes_the_figures(topic_partitions: int, tmp_path: Path) -> None:
    out = tmp_path / "runtime.json"
    argv = molt_argv(
        "bench", "runtime", "--sessions", "2,5", "--seconds", "2", "--warmup", "1", "--first-warmup", "1",
        "--roundtrips", "50", "--partitions", str(topic_partitions), "--json", str(out),
    )  # fmt: skip
    # A broker of its own, as the README's bench command has: the bench's worker ticks
    # every partition of the session topics, which must not be the suite's shared ones.
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads(out.read_text())
    assert report["tick_rate"] == 30
    assert report["cores"] >= 1
    # How fast the machine was, timed before and after, so runs can be compared.
    assert all(report["machine_loop_ms"][when] > 0 for when in ("before", "after"))
    assert report["max_sessions_at_30hz"] in (None, 2, 5)
    # Counts given are measured as given: no climb past 5 (molt.bench.ladder's tests hold the climb).
    assert [step["sessions"] for step in report["steps"]] == [2, 5]
    assert report["ceiling"] == report["max_sessions_at_30hz"] and isinstance(report["ceiling_found"], bool)
    assert set(report["jitter_ms"]) == set(report["tick_to_frame_ms"]) == {"2", "5"}
    for figures in [*report["jitter_ms"].values(), *report["tick_to_frame_ms"].values(), report["kafka_roundtrip_ms"]]:
        assert figures["p50"] <= figures["p99"]
    for step in report["steps"]:
        assert step["live_sessions"] > 0
        assert step["frames_per_s"] > 0
        assert step["worker_cpu_pct"] > 0
        # The main thread is one of the worker's threads, and the clock process is not in it.
        assert 0 < step["worker_loop_cpu_pct"] <= step["worker_cpu_pct"]
        assert step["runs_ended_per_s"] >= 0
        assert step["worker_us_per_frame"] > 0 and step["bots_us_per_frame"] > 0
        # The whole machine's share, in which the worker and the bots are.
        assert 0 < step["machine_busy_pct"] <= 100 and 0 <= step["steal_pct"] <= 100
    assert "largest N within" in done.stdout
