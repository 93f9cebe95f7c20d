"""``molt bench edge --quick`` runs end to end and writes every figure, sane."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from molt.processes import molt_argv

pytestmark = pytest.mark.integration

BENCH_TIMEOUT_S = 420
PAIRS = (
    "input_to_frame_ms",
    "kafka_roundtrip_ms",
    "seat_decision_ms",
    "seat_decision_concurrent_ms",
    "http_floor_ms",
    "claim_to_welcome_ms",
)


def test_bench_edge_writes_the_figures(topic_partitions: int, tmp_path: Path) -> None:
    out = tmp_path / "edge.json"
    argv = molt_argv("bench", "edge", "--quick", "--partitions", str(topic_partitions), "--json", str(out))
    # A broker of its own, as bench runtime's test explains: the bench's worker ticks
    # every partition of the session topics.
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads(out.read_text())
    for name in PAIRS:
        assert 0 < report[name]["p50"] <= report[name]["p99"], (name, report[name])
    inputs = report["input_to_frame"]
    assert 0 < inputs["samples"] <= inputs["inputs_sent"]
    # The players ran in the processes asked for, each reporting its CPU.
    assert len(inputs["players_cpu_pct"]) == inputs["player_processes"] == 2
    assert all(pct > 0 for pct in inputs["players_cpu_pct"])
    assert report["fanout_frames_per_s"] > 0
    # How fast the machine was, timed before and after, so runs can be compared.
    assert all(report["machine_loop_ms"][when] > 0 for when in ("before", "after"))
    assert report["bare_broadcast_frames_per_s"] > 0
    assert report["fanout_ratio"] == pytest.approx(
        report["fanout_frames_per_s"] / report["bare_broadcast_frames_per_s"], abs=1e-3
    )
    assert report["spectators_held_at_30hz"] in (None, 4, 8)
    # --quick measures its counts as given: no climb past 8 (test_bench_edge_ladder holds the climb).
    assert [step["spectators"] for step in report["steps"]] == [4, 8]
    assert report["fanout_ladder"]["rungs"] == [4, 8] and report["fanout_ladder"]["climb"] == 0
    assert report["fanout_stopped_early"] is None
    # The ceiling is the largest N the edge held, found when a larger N was measured and failed.
    held = {step["spectators"]: step["edge"]["held"] for step in report["steps"]}
    assert report["ceiling"] == report["spectators_held_at_30hz"]
    assert report["ceiling"] in (None, *[n for n, ok in held.items() if ok])
    assert report["ceiling_found"] is any(not ok and n > (report["ceiling"] or 0) for n, ok in held.items())
    for step in report["steps"]:
        for server in ("edge", "bare"):
            figures = step[server]
            # Every spectator socket stayed open and got frames; shares are shares.
            assert figures["open_sockets"] == step["spectators"]
            assert figures["worst_spectator_frames_per_s"] > 0
            # A window may hold one tick more than its length times the rate.
            assert 0 < figures["delivered"] <= 1.05
            assert figures["delay_ms"]["p50"] <= figures["delay_ms"]["p99"]
            assert figures["server_cpu_pct"] >= 0
            assert len(figures["clients_cpu_pct"]) == report["client_processes"]
    # Same-size frames from both servers: the baseline is comparable.
    last = report["steps"][-1]
    edge_bytes, bare_bytes = last["edge"]["mean_frame_bytes"], last["bare"]["mean_frame_bytes"]
    assert abs(edge_bytes - bare_bytes) < 0.1 * edge_bytes
    assert "spectators held at 30 Hz" in done.stdout
    assert "largest N the edge held: " in done.stdout
