"""The tick clock in a process of its own, started and fed by the worker.

Why a process: on a busy machine a thread that sleeps until its tick is due wakes
late, and only a real-time priority keeps it on time. A thread of the worker cannot be
helped that way: each tick needs the interpreter lock, which the worker's main thread
may be holding while the OS has it descheduled. So the worker starts this process,
which runs the ``Ticker`` (its own loop and producer) under SCHED_FIFO when the OS
allows it (root or CAP_SYS_NICE), else at nice -10, else at the worker's priority,
with a warning. It sleeps between ticks and works briefly on each, so a real-time
priority costs the other processes nothing.

The worker tells it what to tick over a pipe: the recovered partitions, and whether a
rebalance is under way (no ticks then). When the worker dies, even by SIGKILL, its end
of the pipe closes and the clock stops within a tick: no ticks for partitions that
belong to another worker by then.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from schemas.framing import SchemaIds, installed_schema_ids, use_schema_ids

log = logging.getLogger(__name__)

# The clock's real-time priority (1-99; low: it only has to beat ordinary processes),
# and the niceness it falls back to.
CLOCK_RT_PRIORITY = 10
CLOCK_NICENESS = -10
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ClockSettings:
    bootstrap: str
    topic: str
    producer_id: str
    tick_rate: int
    # The worker's schema ids: a spawned process starts without them, and must write ticks
    # in the framing the worker writes.
    schema_ids: SchemaIds | None = field(default_factory=installed_schema_ids)


class ClockProcess:
    """The worker's handle on its clock process (same calls as a ``Ticker``)."""

    def __init__(self, settings: ClockSettings) -> None:
        # spawn, not fork: the worker has threads (Faust's consumer, rocksdb) by now.
        context = multiprocessing.get_context("spawn")
        child_end, self._pipe = context.Pipe(duplex=False)  # (reads, writes)
        self._child_end = child_end
        self._process = context.Process(target=run_clock, args=(child_end, settings), name="tick-clock", daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def start(self) -> None:
        self._process.start()
        self._child_end.close()  # the child's copy is the one that counts

    async def exited(self) -> int | None:
        """Return once the clock process has ended (its exit code)."""
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        # The sentinel is a descriptor that becomes readable when the process ends.
        loop.add_reader(self._process.sentinel, lambda: None if ended.done() else ended.set_result(None))
        try:
            await ended
        finally:
            loop.remove_reader(self._process.sentinel)
        self._process.join()
        return self._process.exitcode

    def set_partitions(self, partitions: Iterable[int]) -> None:
        self._send(("partitions", sorted(partitions)))

    def set_paused(self, paused: bool) -> None:
        self._send(("paused", paused))

    def stop(self) -> None:
        if self._process.pid is None:
            return
        self._send(("stop", None))
        self._pipe.close()
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            log.warning("the clock process did not stop in %.0f s; killing it", STOP_TIMEOUT_S)
            self._process.kill()
            self._process.join()

    def _send(self, message: tuple) -> None:
        if self._pipe.closed:
            return
        try:
            self._pipe.send(message)
        except BrokenPipeError:
            pass  # the clock has ended; ``exited`` reports that, and the worker stops


def run_clock(pipe: Connection, settings: ClockSettings) -> None:
    """The clock process: tick what the worker says until it says stop or goes away."""
    from streams.sessions.ticker import Ticker  # imported in the child, after spawn

    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] [clock %(process)d] [%(levelname)s] %(message)s")
    # Ctrl-C and SIGTERM reach the whole process group: the worker decides when its
    # clock stops (or dies, which closes the pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _raise_priority()
    use_schema_ids(settings.schema_ids)
    paused = False
    ticker = Ticker(
        bootstrap=settings.bootstrap,
        topic=settings.topic,
        producer_id=settings.producer_id,
        tick_rate=settings.tick_rate,
        paused=lambda: paused,
    )
    ticker.start()
    try:
        while True:
            try:
                kind, value = pipe.recv()
            except EOFError:
                log.warning("the worker is gone; the clock stops")
                return
            if kind == "partitions":
                ticker.set_partitions(value)
            elif kind == "paused":
                paused = value
            elif kind == "stop":
                return
    finally:
        ticker.stop()


def _raise_priority() -> None:
    """Before the ticker thread starts: Linux threads inherit their creator's policy."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(CLOCK_RT_PRIORITY))
        return
    except PermissionError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, 0, CLOCK_NICENESS)
        log.warning(
            "the clock runs at nice %d, not real-time (needs CAP_SYS_NICE): ticks may start "
            "late when the machine is busy",
            CLOCK_NICENESS,
        )
    except PermissionError:
        log.warning(
            "cannot raise the clock's priority (needs root or CAP_SYS_NICE): ticks will start "
            "late whenever the machine is busy"
        )
