"""The capacity arithmetic of docs/capacity.md: measured unit costs × a target load.

Pure: ``plan(units, target, budget)`` multiplies the unit costs ``molt bench units``
measures by a target (live sessions, spectators, tick rate, how long frames and command
history are kept) and sizes every part against a budget (the share of a core a process
is planned at; a broker's disk and network). Invariants it relies on:

- a worker or an edge process runs its work on one event loop: at most one core each;
- every edge reads every frame of the cluster (``edge_processes_sharded`` shows the
  edges needed if each read only the partitions of the sessions it serves);
- every record is stored ``replication`` times, and each follower fetches it once.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

DAY_S = 24 * 3600


@dataclass(frozen=True)
class UnitCosts:
    """Per-unit costs, each the difference between two loads, and what a process costs with none."""

    worker_us_per_session_tick: float
    worker_base_cores: float
    worker_mb_per_1000_sessions: float
    worker_base_mb: float
    edge_us_per_frame_followed: float
    edge_us_per_spectator_frame: float
    edge_base_cores: float
    edge_mb_per_1000_spectators: float
    edge_base_mb: float
    # Bytes a live session adds to the topics per second, as stored (compressed), one
    # replica: session.commands, session.frames, the rest kept forever (results,
    # triggers, outcomes) and the rest bounded (compacted views and tables, seat replies
    # and table turns); None where the broker's disk could not be read.
    commands_bytes_per_session_s: float | None
    frames_bytes_per_session_s: float | None
    history_bytes_per_session_s: float | None
    bounded_bytes_per_session_s: float | None
    # A spectator's frame message on the wire (the WebSocket payload).
    spectator_frame_bytes: float

    @property
    def complete(self) -> bool:
        return all(value is not None for value in asdict(self).values())


@dataclass(frozen=True)
class Target:
    sessions: int = 10_000
    spectators: int = 1_000_000
    tick_rate: int = 30
    frames_kept_s: int = DAY_S
    # Commands and results are kept forever: the brokers' disks are sized for this much.
    history_days: int = 30
    replication: int = 3


@dataclass(frozen=True)
class Budget:
    # A process is planned at this share of its one core: the rest absorbs bursts
    # (runs starting at once, a partition taken over, a slow neighbour).
    core_share: float = 0.6
    broker_disk_tb: float = 8.0
    broker_disk_share: float = 0.7
    broker_network_gbit_s: float = 25.0
    broker_network_share: float = 0.5


def plan(units: UnitCosts, target: Target = Target(), budget: Budget = Budget()) -> dict:
    """Every figure of the plan, by name (sizes in cores, processes, GB, TB, Gbit/s).

    ``units`` must be ``complete``."""
    ticks_per_s = target.sessions * target.tick_rate
    worker_cores = ticks_per_s * units.worker_us_per_session_tick / 1e6
    workers = math.ceil(worker_cores / (budget.core_share - units.worker_base_cores))
    edges = _edge_plan(units, target, budget, ticks_per_s)
    return {
        "target": asdict(target),
        "budget": asdict(budget),
        "session_ticks_per_s": ticks_per_s,
        "worker_cores": round(worker_cores, 2),
        "worker_processes": workers,
        "worker_memory_gb": _gb(
            workers * units.worker_base_mb + target.sessions / 1000 * units.worker_mb_per_1000_sessions
        ),
        "partitions_at_least": workers,
        **edges,
        **_kafka_plan(units, target, budget, edges["frame_reads"]),
    }


def _edge_plan(units: UnitCosts, target: Target, budget: Budget, ticks_per_s: int) -> dict:
    spectator_frames_per_s = target.spectators * target.tick_rate
    spectator_cores = spectator_frames_per_s * units.edge_us_per_spectator_frame / 1e6
    follow_cores = ticks_per_s * units.edge_us_per_frame_followed / 1e6
    share = budget.core_share - units.edge_base_cores
    as_built = _edges(spectator_cores, follow_cores, share)
    # Edges in groups, each reading only its group's share of the partitions (the load
    # balancer routing a session's sockets to its group): as many groups as it takes for
    # following to cost at most a quarter of an edge's share of its core.
    groups = max(1, math.ceil(follow_cores / (share / 4)))
    per_group = _edges(spectator_cores / groups, follow_cores / groups, share)
    sharded = groups * per_group if per_group is not None else None
    edges = as_built if as_built is not None else sharded
    return {
        "spectator_frames_per_s": spectator_frames_per_s,
        "edge_spectator_cores": round(spectator_cores, 1),
        "edge_follow_cores_per_edge": round(follow_cores, 2),
        "edge_processes": as_built,
        "edge_groups": groups,
        "edge_processes_sharded": sharded,
        "edge_memory_gb": _gb(
            (edges or 0) * units.edge_base_mb + target.spectators / 1000 * units.edge_mb_per_1000_spectators
        ),
        "edge_egress_gbit_s": round(spectator_frames_per_s * units.spectator_frame_bytes * 8 / 1e9, 1),
        # How many edges read each frame: all of them as built, one group's when sharded.
        "frame_reads": as_built if as_built is not None else (per_group or 0),
    }


def _kafka_plan(units: UnitCosts, target: Target, budget: Budget, frame_reads: int) -> dict:
    stored = (
        units.commands_bytes_per_session_s,
        units.frames_bytes_per_session_s,
        units.history_bytes_per_session_s,
        units.bounded_bytes_per_session_s,
    )
    if None in stored:
        raise ValueError("the Kafka unit costs were not measured (a scratch broker's disk is needed)")
    commands, frames, others, bounded = (target.sessions * (per_session or 0.0) for per_session in stored)
    history = commands + others
    produced = history + frames + bounded
    replicated = produced * (target.replication - 1)
    # The workers read the commands once; the edges read the frames.
    consumed = commands + frames * frame_reads
    frames_disk = frames * target.frames_kept_s * target.replication
    history_per_day = history * DAY_S * target.replication
    # Compacted and short-lived topics: planned at a day of what is written to them.
    bounded_disk = bounded * DAY_S * target.replication
    disk = frames_disk + history_per_day * target.history_days + bounded_disk
    brokers_disk = math.ceil(disk / (budget.broker_disk_tb * 1e12 * budget.broker_disk_share))
    # Leaders take in what is produced and send out what is consumed; followers fetch.
    busiest_bytes_s = max(produced + replicated, consumed + replicated)
    network_bytes_s = budget.broker_network_gbit_s * 1e9 / 8 * budget.broker_network_share
    brokers_network = math.ceil(busiest_bytes_s / network_bytes_s)
    return {
        "kafka_produce_mb_s": round(produced / 1e6, 1),
        "kafka_replication_mb_s": round(replicated / 1e6, 1),
        "kafka_consume_mb_s": round(consumed / 1e6, 1),
        "kafka_frames_disk_tb": round(frames_disk / 1e12, 2),
        "kafka_history_tb_per_day": round(history_per_day / 1e12, 3),
        "kafka_disk_tb": round(disk / 1e12, 2),
        "brokers_for_disk": brokers_disk,
        "brokers_for_network": brokers_network,
        "brokers": max(target.replication, brokers_disk, brokers_network),
    }


def _edges(spectator_cores: float, follow_cores: float, share: float) -> int | None:
    """Edge processes for the spectators when each also follows ``follow_cores`` of frames;
    None when following alone fills an edge's ``share`` of its core."""
    spare = share - follow_cores
    if spare <= 0:
        return None
    return max(1, math.ceil(spectator_cores / spare))


def _gb(mb: float) -> float:
    return round(mb / 1024, 1)
