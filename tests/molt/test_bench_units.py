"""``molt bench units --quick`` runs end to end and writes every unit cost and a plan."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from molt.bench.capacity import UnitCosts
from molt.processes import molt_argv

pytestmark = pytest.mark.integration

BENCH_TIMEOUT_S = 420


def test_bench_units_writes_the_unit_costs_and_a_plan(topic_partitions: int, tmp_path: Path) -> None:
    out = tmp_path / "units.json"
    argv = molt_argv("bench", "units", "--quick", "--partitions", str(topic_partitions), "--json", str(out))
    # A broker of its own: the Kafka figures are read from its disk, and the bench's
    # worker ticks every partition of the session topics.
    env = {k: v for k, v in os.environ.items() if k != "MOLT_KAFKA_BOOTSTRAP"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads(out.read_text())
    units = UnitCosts(**report["units"])
    assert units.complete
    assert units.worker_us_per_session_tick > 0 and units.edge_us_per_spectator_frame > 0
    assert units.frames_bytes_per_session_s > units.commands_bytes_per_session_s > 0  # type: ignore[operator]
    assert units.spectator_frame_bytes > 0
    assert report["plan"]["brokers"] >= 3 and report["plan"]["worker_processes"] >= 1
    assert "unit costs" in done.stdout and "plan (molt.bench.capacity)" in done.stdout
