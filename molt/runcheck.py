"""Replay checks: published runs re-simulated from the log and compared with what was published.

The run log (``infra.runlog``) says where a run's records lie; this module folds them
through the pure session fold (``streams.sessions.verify``), in a pool of processes when
many runs are checked (``molt replay --all``, ``molt bench replay``).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache

from infra.runlog import Logged, RunLog
from schemas.codec import Codec
from schemas.records import decode_command
from streams.sessions.verify import RunCheck, check_run

# Runs read together: at most this many, and a gap of more records than this between
# one run's last offset and the next one's first starts a new read (idle Ticks are skipped).
BATCH_RUNS = 200
BATCH_GAP = 2_000


async def check_runs(
    log: RunLog, runs: Sequence[Sequence[Logged]], pool: Executor | None = None
) -> AsyncIterator[RunCheck]:
    """Re-simulate runs (each: one session's published results) and compare with what was published.

    Each run is folded alone from its own offset range, but the log is read once for
    runs of a partition that lie close together (``_batches``): they share its Ticks
    and FrameBatches. With a ``pool`` (of processes), batches are decoded, folded and
    compared there while the next ones are read; checks come out in the same order.
    """
    by_partition: defaultdict[int, list[Sequence[Logged]]] = defaultdict(list)
    for run in runs:
        by_partition[run[0].value["commandOffsets"]["partition"]].append(run)
    loop = asyncio.get_running_loop()
    pending: deque[asyncio.Future[list[RunCheck]]] = deque()
    try:
        for partition in sorted(by_partition):
            for batch in _batches(by_partition[partition]):
                datums = [[logged.value for logged in run] for run in batch]
                heads = [results[0] for results in datums]
                commands = [(r.offset, r.value) for r in await log.command_records(heads)]
                frames = {sid: [f.value for f in found] for sid, found in (await log.frames(heads)).items()}
                if pool is None:
                    for check in check_batch(datums, commands, frames, log.codec):
                        yield check
                    continue
                pending.append(loop.run_in_executor(pool, check_batch, datums, commands, frames))
                while pending[0].done():
                    for check in pending.popleft().result():
                        yield check
        while pending:
            for check in await pending.popleft():
                yield check
    finally:
        for future in pending:
            future.cancel()


@contextmanager
def replay_pool() -> Iterator[ProcessPoolExecutor]:
    """Processes that fold runs, one per core, while the log is read here."""
    # Forked, not spawned: the children start at once with the engines and schemas loaded.
    pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def check_batch(
    datums: Sequence[Sequence[dict]],
    commands: Sequence[tuple[int, bytes]],
    frames: dict[str, list[dict]],
    codec: Codec | None = None,
) -> list[RunCheck]:
    """Check runs of one partition read together: ``datums`` their results, ``commands`` the
    (offset, encoded record) of their range, ``frames`` their published frames by session."""
    codec = codec or _codec()
    decoded = [(offset, decode_command(codec, value)) for offset, value in commands]
    offsets = [offset for offset, _ in decoded]
    checks = []
    for results in datums:
        span = results[0]["commandOffsets"]
        own = decoded[bisect_left(offsets, span["first"]) : bisect_right(offsets, span["last"])]
        checks.append(check_run(results, own, frames.get(results[0]["sessionId"], [])))
    return checks


@cache
def _codec() -> Codec:
    """One codec per process (a pool's workers decode with their own)."""
    return Codec()


def _batches(runs: list[Sequence[Logged]]) -> Iterator[list[Sequence[Logged]]]:
    """The runs of one partition in order of first offset, cut where the log is read apart."""
    runs = sorted(runs, key=lambda run: run[0].value["commandOffsets"]["first"])
    batch: list[Sequence[Logged]] = []
    last = -1
    for run in runs:
        span = run[0].value["commandOffsets"]
        if batch and (len(batch) == BATCH_RUNS or span["first"] > last + BATCH_GAP):
            yield batch
            batch, last = [], -1
        batch.append(run)
        last = max(last, span["last"])
    if batch:
        yield batch
