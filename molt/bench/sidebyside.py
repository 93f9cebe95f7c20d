"""The windows ``molt bench peers`` measures on either stack, whatever its clients.

Both take the clients of either side: our ``ReceiverPool`` and ``PlayerPool`` or the
Colyseus peer's twins (``molt.bench.colyseusclients``), which answer alike, so each
figure of the two stacks comes from the same code.

- ``fanout_window``: N spectators receive for a window after a warm-up; the delivery
  figures of ``molt.bench.delivery``, the server's CPU (in all and per update
  delivered), the bytes per spectator-second (payloads as received, and everything the
  server wrote, WebSocket framing included) and the server's resident memory.
- ``input_window``: players play for a warm-up, then every input is timed for a window
  (send → first state that covers it); with the servers' and the players' CPU.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from typing import Protocol

from molt.bench.delivery import delivery
from molt.bench.playerpool import PlayerReport
from molt.bench.procfs import rss_bytes, written_bytes
from molt.bench.receivers import Received
from molt.bench.stats import cpu_seconds, percentiles

# After a window, for the updates of its last ticks to reach the slowest spectator.
SETTLE_S = 0.5
MB = 1 << 20


class Receivers(Protocol):
    async def record(self) -> None: ...
    async def report(self, t0: float, t1: float) -> list[Received]: ...


class Players(Protocol):
    async def timing_on(self) -> None: ...
    async def timing_off(self) -> list[PlayerReport]: ...


async def fanout_window(
    receivers: Receivers, n: int, server_pid: int, tick_rate: int, warmup_s: float, seconds: float
) -> dict:
    await asyncio.sleep(warmup_s)  # the updates flow on their own: this is the warm-up's duration
    await receivers.record()
    cpu0, wrote0, t0 = cpu_seconds(server_pid), written_bytes(server_pid), time.time()
    await asyncio.sleep(seconds)
    cpu1, wrote1, t1 = cpu_seconds(server_pid), written_bytes(server_pid), time.time()
    await asyncio.sleep(SETTLE_S)
    d = delivery(await receivers.report(t0, t1), n, t0, t1, tick_rate)
    window_s = t1 - t0
    updates = d.frames_per_s * window_s
    return {
        **asdict(d),
        "held": d.held,
        "server_cpu_pct": round(100 * (cpu1 - cpu0) / window_s, 1),
        "server_cpu_us_per_update": round((cpu1 - cpu0) * 1e6 / updates, 2) if updates else None,
        "payload_bytes_per_spectator_s": round(d.mean_frame_bytes * d.frames_per_s / n),
        "server_written_bytes_per_spectator_s": round((wrote1 - wrote0) / (n * window_s)),
        "server_rss_mb": round(rss_bytes(server_pid) / MB, 1),
    }


async def input_window(players: Players, server_pids: list[int], warmup_s: float, seconds: float) -> dict:
    await asyncio.sleep(warmup_s)  # the players play on their own: this is the warm-up's duration
    began = sum(cpu_seconds(pid) for pid in server_pids)
    await players.timing_on()
    await asyncio.sleep(seconds)
    ended = sum(cpu_seconds(pid) for pid in server_pids)
    reports = await players.timing_off()
    samples = [sample for report in reports for sample in report.samples_ms]
    return {
        "latency_ms": percentiles(samples),
        "samples": len(samples),
        "inputs_sent": sum(report.inputs_sent for report in reports),
        "runs_ended": sum(report.runs_ended for report in reports),
        "server_cpu_pct": round(100 * (ended - began) / seconds, 1),
        "players_cpu_pct": [round(100 * report.cpu_s / seconds, 1) for report in reports],
    }


def rss_mb(pids: list[int]) -> float:
    return sum(rss_bytes(pid) for pid in pids) / MB
