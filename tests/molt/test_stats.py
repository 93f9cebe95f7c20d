"""The machine's CPU shares the benchmarks report, read from ``/proc/stat``."""

from __future__ import annotations

import os
import threading
import time

import pytest

from molt.bench.stats import MachineCpu, cpu_seconds, main_thread_cpu_seconds, resident_bytes

# Two readings of a 2-core machine one second apart (100 ticks a second a core):
# 120 ticks of work, 50 idle, 30 stolen by the hypervisor.
BEFORE = """cpu  1000 10 200 5000 40 0 30 300 7 0
cpu0 500 5 100 2500 20 0 15 150 0 0
cpu1 500 5 100 2500 20 0 15 150 0 0
intr 12345
"""
AFTER = """cpu  1090 10 220 5045 45 0 40 330 7 0
cpu0 545 5 110 2520 25 0 20 165 0 0
cpu1 545 5 110 2525 20 0 20 165 0 0
"""


def test_shares_count_busy_idle_and_steal_over_all_cores() -> None:
    before, after = MachineCpu.parse(BEFORE), MachineCpu.parse(AFTER)
    assert before == MachineCpu(busy=1240, idle=5040, steal=300)
    assert after.shares_since(before) == {"busy_pct": 60.0, "steal_pct": 15.0}


def test_no_time_between_readings_gives_no_shares() -> None:
    reading = MachineCpu.parse(BEFORE)
    assert reading.shares_since(reading) is None


def test_a_stat_without_the_aggregate_line_is_refused() -> None:
    with pytest.raises(ValueError, match="aggregate 'cpu' line"):
        MachineCpu.parse("cpu0 1 2 3 4 5 6 7 8\n")


def test_this_machine_reads_and_its_shares_are_shares() -> None:
    first = MachineCpu.now()
    while (later := MachineCpu.now()).busy == first.busy:
        pass  # this loop itself is the work the kernel's counters will show
    shares = later.shares_since(first)
    assert shares is not None
    assert 0 < shares["busy_pct"] <= 100 and 0 <= shares["steal_pct"] <= 100


def test_the_main_threads_cpu_leaves_out_the_other_threads() -> None:
    pid = os.getpid()

    def others() -> float:
        return cpu_seconds(pid) - main_thread_cpu_seconds(pid)

    def spin() -> None:  # 100 ms of this thread's own CPU
        began = time.thread_time()
        while time.thread_time() - began < 0.1:
            pass

    before = others()
    spinner = threading.Thread(target=spin)
    spinner.start()
    spinner.join()
    # The kernel charges whole clock ticks (10 ms): well over half of it shows.
    assert others() - before > 0.05


def test_resident_bytes_grow_with_what_the_process_holds() -> None:
    before = resident_bytes(os.getpid())
    held = bytearray(64 * 1024 * 1024)
    held[::4096] = b"x" * len(held[::4096])  # touch every page, so it is resident
    assert resident_bytes(os.getpid()) - before >= 32 * 1024 * 1024
    del held
