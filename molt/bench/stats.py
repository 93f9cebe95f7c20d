"""Small figures benchmarks report: percentiles of samples, and a process's CPU time.

Percentiles use the nearest-rank method, so every figure is a value that was measured.
CPU time is read from ``/proc/<pid>/stat`` (user + system, every thread of the process);
``tree_cpu_seconds`` adds the process's living descendants (the worker's clock process),
``main_thread_cpu_seconds`` is the main thread's alone (a worker's event loop: it cannot
use more than one core, whatever the process's other threads do). ``resident_bytes`` is
a process's resident memory (``VmRSS`` in ``/proc/<pid>/status``).
``MachineCpu`` reads the whole machine's from ``/proc/stat``: how busy all its cores were
over a window, and how much of it the hypervisor gave to other guests (steal).
``loop_ms`` times a fixed piece of pure Python: how fast this machine is right now.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def percentiles(samples: Sequence[float], *, digits: int = 2) -> dict[str, float] | None:
    """``{"p50", "p99"}`` of ``samples``, or None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], digits)

    return {"p50": rank(50), "p99": rank(99)}


def cpu_seconds(pid: int) -> float:
    """CPU time the process ``pid`` has used so far."""
    return _cpu_seconds(f"/proc/{pid}/stat")


def resident_bytes(pid: int) -> int:
    """The resident memory of the process ``pid`` now, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024  # the kernel writes it in kB
    raise ValueError(f"no VmRSS for process {pid}")


def main_thread_cpu_seconds(pid: int) -> float:
    """CPU time the main thread of ``pid`` has used so far: the one that runs its event loop."""
    return _cpu_seconds(f"/proc/{pid}/task/{pid}/stat")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time ``pid`` and every living process below it have used so far."""
    parents = _parents()
    total, below = 0.0, [pid]
    while below:
        current = below.pop()
        total += cpu_seconds(current)
        below += [child for child, parent in parents.items() if parent == current]
    return total


def _parents() -> dict[int, int]:
    """Every process's parent (this kernel may lack /proc/<pid>/task/<tid>/children)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat_fields(f"/proc/{entry.name}/stat")[1])
            except (FileNotFoundError, ProcessLookupError):
                continue  # it ended while we looked
    return parents


def _cpu_seconds(stat_path: str) -> float:
    """User + system time in a process's or a thread's ``stat`` file."""
    fields = _stat_fields(stat_path)
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLOCK_TICKS


def _stat_fields(stat_path: str) -> list[str]:
    stat = Path(stat_path).read_text()
    # Fields after the command name, which is in parentheses and may hold spaces.
    return stat[stat.rindex(")") + 2 :].split()


@dataclass(frozen=True)
class MachineCpu:
    """The machine's CPU time so far, in clock ticks summed over every core (``/proc/stat``)."""

    busy: int
    idle: int
    steal: int

    @classmethod
    def parse(cls, stat: str) -> MachineCpu:
        """From the text of ``/proc/stat``: its aggregate ``cpu`` line."""
        line = next((line for line in stat.splitlines() if line.startswith("cpu ")), None)
        if line is None:
            raise ValueError("no aggregate 'cpu' line in /proc/stat")
        # user nice system idle iowait irq softirq steal [guest guest_nice]: guest time
        # is already counted in user and nice, so it is left out.
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, line.split()[1:9])
        return cls(busy=user + nice + system + irq + softirq, idle=idle + iowait, steal=steal)

    @classmethod
    def now(cls) -> MachineCpu:
        return cls.parse(Path("/proc/stat").read_text())

    def shares_since(self, earlier: MachineCpu) -> dict[str, float] | None:
        """``{"busy_pct", "steal_pct"}`` of the time between ``earlier`` and this reading.

        Busy is what this machine's processes ran, steal what the hypervisor ran
        elsewhere while this machine wanted to run: both in % of all cores' time, so on
        a machine that had every core in use the two add up to 100. None when no time
        passed.
        """
        busy, idle, steal = self.busy - earlier.busy, self.idle - earlier.idle, self.steal - earlier.steal
        total = busy + idle + steal
        if total <= 0:
            return None
        return {"busy_pct": round(100 * busy / total, 1), "steal_pct": round(100 * steal / total, 1)}


# Iterations of the fixed loop: about a third of a second on the benchmark box.
_LOOP_ITERATIONS = 2_000_000


def loop_ms(tries: int = 3) -> float:
    """The best of ``tries`` timings of a fixed pure-Python loop, in ms.

    On a shared virtual machine the CPU a process gets varies: a loop of 3 million such
    additions took 371 to 676 ms on the idle 2-core benchmark box within a minute, and
    this one 98 to 245 ms within the hour. Runs whose figures differ by that much
    measured a different machine, whatever else they measured.
    """
    best = math.inf
    for _ in range(tries):
        began = time.perf_counter()
        total = 0
        for n in range(_LOOP_ITERATIONS):
            total += n
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 1)
