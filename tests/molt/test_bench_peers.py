"""``molt bench peers --quick`` runs both stacks end to end and writes every figure for each."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from molt.processes import molt_argv

pytestmark = pytest.mark.integration

BENCH_TIMEOUT_S = 420
SIDES = ("ours", "colyseus")
SPECTATORS = [4, 8]  # --quick's ladders
SESSIONS = [4, 8]


def test_bench_peers_writes_every_figure_for_both_sides(topic_partitions: int, tmp_path: Path) -> None:
    out = tmp_path / "peers.json"
    argv = molt_argv("bench", "peers", "--quick", "--partitions", str(topic_partitions), "--json", str(out))
    # A broker of its own: the bench's worker ticks every partition of the session topics.
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads(out.read_text())
    ours, theirs = report["ours"], report["colyseus"]
    assert sorted(ours) == sorted(theirs)
    # The raw Kafka round trip stands beside our figures only.
    assert 0 < ours["kafka_roundtrip_ms"]["p50"] <= ours["kafka_roundtrip_ms"]["p99"]
    assert theirs["kafka_roundtrip_ms"] is None
    for side in SIDES:
        figures = report[side]
        latency = figures["input_to_state_ms"]
        assert 0 < latency["p50"] <= latency["p99"], side
        inputs = figures["input_to_state"]
        assert inputs["live_at_start"] == SESSIONS[0]
        assert 0 < inputs["samples"] <= inputs["inputs_sent"], side
        assert inputs["server_cpu_pct"] > 0 and all(pct > 0 for pct in inputs["players_cpu_pct"]), side
        assert figures["max_sessions_at_30hz"] in (None, *SESSIONS), side
        assert [step["sessions"] for step in figures["sessions_ladder"]][:1] == SESSIONS[:1], side
        assert figures["spectators_held"] in (None, *SPECTATORS), side
        assert [step["spectators"] for step in figures["fanout"]] == SPECTATORS, side
        for step in figures["fanout"]:
            # Every spectator stayed and got updates of the one session watched.
            assert step["open_sockets"] == step["spectators"], side
            assert step["worst_spectator_frames_per_s"] > 0, side
            assert 0 < step["delivered"] <= 1.05, side
            assert step["server_cpu_us_per_update"] > 0, side
            # What the server wrote holds every payload the spectators received.
            assert step["server_written_bytes_per_spectator_s"] >= 0.9 * step["payload_bytes_per_spectator_s"] > 0
        [measured] = [
            step for step in figures["fanout"] if step["spectators"] == figures["bytes_measured_at_spectators"]
        ]
        assert figures["payload_bytes_per_spectator_s"] == measured["payload_bytes_per_spectator_s"]
        for name in ("rss_mb_per_1000_sessions", "rss_mb_per_1000_spectators"):
            assert isinstance(figures[name], float), (side, name)
    # Colyseus sends schema deltas of a few numbers a tick; we send whole JSON frames.
    assert theirs["payload_bytes_per_spectator_s"] < ours["payload_bytes_per_spectator_s"]
