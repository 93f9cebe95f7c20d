"""The capacity arithmetic: each figure moves with what it is made of."""

from __future__ import annotations

from dataclasses import replace

import pytest

from molt.bench.capacity import DAY_S, Budget, Target, UnitCosts, plan

UNITS = UnitCosts(
    worker_us_per_session_tick=10.0,
    worker_base_cores=0.1,
    worker_mb_per_1000_sessions=40.0,
    worker_base_mb=100.0,
    edge_us_per_frame_followed=1.0,
    edge_us_per_spectator_frame=5.0,
    edge_base_cores=0.05,
    edge_mb_per_1000_spectators=40.0,
    edge_base_mb=100.0,
    commands_bytes_per_session_s=200.0,
    frames_bytes_per_session_s=3000.0,
    history_bytes_per_session_s=50.0,
    bounded_bytes_per_session_s=100.0,
    spectator_frame_bytes=700.0,
)


def test_worker_cores_are_ticks_times_their_cost() -> None:
    figures = plan(UNITS, Target(sessions=10_000, spectators=1000))
    assert figures["session_ticks_per_s"] == 300_000
    assert figures["worker_cores"] == 3.0  # 300,000 ticks/s × 10 µs
    assert figures["worker_processes"] == 6  # 3 cores at 0.6 - 0.1 of a core each
    assert plan(UNITS, Target(sessions=20_000, spectators=1000))["worker_cores"] == 6.0


def test_frames_kept_a_day_fill_the_disk_three_times() -> None:
    figures = plan(UNITS, Target(sessions=10_000, spectators=1000, history_days=0))
    frames_tb = 10_000 * 3000.0 * DAY_S * 3 / 1e12
    assert figures["kafka_frames_disk_tb"] == round(frames_tb, 2)
    assert figures["brokers"] >= 3


def test_edges_that_cannot_follow_every_frame_are_sharded() -> None:
    heavy = replace(UNITS, edge_us_per_frame_followed=5.0)  # 300,000 frames/s × 5 µs: 1.5 cores
    figures = plan(heavy, Target(sessions=10_000, spectators=1_000_000))
    assert figures["edge_processes"] is None and figures["edge_groups"] > 1
    assert figures["edge_processes_sharded"] > 0
    light = plan(UNITS, Target(sessions=100, spectators=1000), Budget())
    assert light["edge_processes"] == light["edge_processes_sharded"] == 1


def test_a_plan_needs_the_kafka_figures() -> None:
    with pytest.raises(ValueError):
        plan(replace(UNITS, frames_bytes_per_session_s=None))
