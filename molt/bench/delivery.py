"""Fan-out figures from what the receivers noted in one window [t0, t1).

- frames/s: frames received by all spectators in the window, per second;
- delivered: that, as a share of the nominal ``spectators × tick_rate`` (what every
  spectator would get if nothing were late or dropped);
- source frames/s: distinct frames per stream first seen in the window, per second (the
  rate the frames were produced at, as far as any spectator saw: below the tick rate the
  loss was upstream of the fan-out);
- delay: how long after the first spectator to receive a frame each other spectator got
  it, i.e. the time the server's fan-out spreads the frame over; p50/p99;
- worst spectator: the frames/s of the spectator that got the fewest.

A server holds N spectators when delivered ≥ ``HELD_DELIVERED`` and p99 delay ≤
``HELD_DELAY_MS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from molt.bench.receivers import Received, key_stream
from molt.bench.stats import percentiles

HELD_DELIVERED = 0.95
# Three tick intervals at 30 Hz: a spectator that far behind the first one sees a stutter.
HELD_DELAY_MS = 100.0


@dataclass(frozen=True)
class Delivery:
    spectators: int
    open_sockets: int
    frames_per_s: int
    delivered: float
    source_frames_per_s: float
    delay_ms: dict[str, float] | None
    worst_spectator_frames_per_s: float
    mean_frame_bytes: int
    clients_cpu_pct: list[float]

    @property
    def held(self) -> bool:
        return self.delivered >= HELD_DELIVERED and self.delay_ms is not None and self.delay_ms["p99"] <= HELD_DELAY_MS


def delivery(received: list[Received], spectators: int, t0: float, t1: float, tick_rate: int) -> Delivery:
    window_s = t1 - t0
    first: dict[int, float] = {}
    for part in received:
        for key, at in zip(part.keys, part.times, strict=True):
            if at < first.get(key, float("inf")):
                first[key] = at
    delays = [
        (at - first[key]) * 1000
        for part in received
        for key, at in zip(part.keys, part.times, strict=True)
        if t0 <= at < t1
    ]
    fresh = [key for key, at in first.items() if t0 <= at < t1]
    streams = {key_stream(key) for key in fresh}
    per_socket = [count for part in received for count in part.per_socket]
    frames = len(delays)
    frame_bytes = sum(part.frame_bytes for part in received)
    received_total = sum(len(part.keys) for part in received)
    return Delivery(
        spectators=spectators,
        open_sockets=len(per_socket),
        frames_per_s=round(frames / window_s),
        delivered=round(frames / (spectators * tick_rate * window_s), 3),
        source_frames_per_s=round(len(fresh) / len(streams) / window_s, 1) if streams else 0.0,
        delay_ms=percentiles(delays),
        worst_spectator_frames_per_s=round(min(per_socket, default=0) / window_s, 1),
        mean_frame_bytes=round(frame_bytes / received_total) if received_total else 0,
        clients_cpu_pct=[part.cpu_pct for part in received],
    )
