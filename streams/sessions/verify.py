"""Checking a published run against a re-simulation of its command log.

Pure: given what was published for one run (its RunResult records and its frames)
and the command records of its range, fold the records offline
(``streams.sessions.offline``) and say whether the publication is what the log
decides, and if not, the first tick at which they part.

- Every published frame must equal the replayed frame of the same tick, every field
  (state JSON, lastInputSeq, state hash, engine version).
- Every published result must equal the replayed one, every field (final state hash,
  ticks, score, end reason, offsets, times).
- A replayed frame that was never published is a gap, not a divergence: frames are a
  live broadcast kept one day, and a worker taking a partition over re-folds its log
  without sending frames again. With no published frame left, only the result is
  compared (``hash_only``).

The first diverging tick is the lowest of: the tick of the first published frame
that differs from (or is absent in) the replay; for a result that differs, the tick
after the shorter run's last when the tick counts differ, else the final tick.
Tick 0 means the log does not even open the session. A run recorded by another engine
version than this build's is not replayed but ``skipped``, and said so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas.records import SessionCommand
from streams.sessions.offline import fold_session
from streams.sim.registry import ENGINES


@dataclass(frozen=True, slots=True)
class Divergence:
    tick: int
    reason: str


@dataclass(frozen=True, slots=True)
class RunCheck:
    session_id: str
    result: dict  # the published RunResult (the first, when it was published more than once)
    replayed: dict | None  # the RunResult the replay publishes; None when the log does not end the run
    ticks_replayed: int
    frames_published: int  # distinct ticks with a published frame
    frames_missing: int  # replayed ticks without a published frame
    divergence: Divergence | None
    # Why the run was not replayed: its engine version is not this build's (a rules
    # change bumps it, and only an engine of that version decides what its log means).
    skipped: str | None = None

    @property
    def matched(self) -> bool:
        return self.divergence is None and self.skipped is None

    @property
    def hash_only(self) -> bool:
        return self.frames_published == 0 and self.ticks_replayed > 0


def check_run(
    results: Sequence[dict], records: Iterable[tuple[int, SessionCommand]], frames: Iterable[dict]
) -> RunCheck:
    """Compare ``results`` (one session's published RunResults) and its published ``frames``
    with the fold of ``records`` (the command records of the result's offset range)."""
    result = results[0]
    session_id = result["sessionId"]
    engine = ENGINES.get(result["game"])
    if engine is None or engine.engine_version != result["engineVersion"]:
        have = "no such game" if engine is None else f"engine version {engine.engine_version}"
        reason = f"recorded by {result['game']} engine version {result['engineVersion']}; this build has {have}"
        return RunCheck(session_id, result, None, 0, 0, 0, None, skipped=reason)
    run = fold_session(session_id, result["commandOffsets"]["partition"], records)
    replayed_frames = {frame["seq"]: frame for frame in run.frames}
    replayed = next((r for r in run.results if r["sessionId"] == session_id), None)
    ticks = replayed["ticks"] if replayed is not None else max(replayed_frames, default=0)
    published = sorted(frames, key=lambda frame: frame["seq"])

    found: list[Divergence] = []
    if run.state is None:
        found.append(Divergence(0, "the command log does not open the session"))
    for frame in published:
        mine = replayed_frames.get(frame["seq"])
        if mine != frame:
            found.append(Divergence(frame["seq"], _frame_difference(frame, mine, ticks)))
            break
    for each in results:
        if each != replayed:
            found.append(_result_divergence(each, replayed, ticks))
    published_ticks = {frame["seq"] for frame in published}
    return RunCheck(
        session_id=session_id,
        result=result,
        replayed=replayed,
        ticks_replayed=ticks,
        frames_published=len(published_ticks),
        frames_missing=len(replayed_frames.keys() - published_ticks),
        divergence=min(found, key=lambda d: d.tick, default=None),
    )


def _frame_difference(published: dict, mine: dict | None, ticks: int) -> str:
    if mine is None:
        return f"a frame was published for tick {published['seq']}; the replayed run has {ticks} ticks"
    fields = [name for name in published if published[name] != mine[name]]
    return "the frame differs: " + ", ".join(_field_difference(name, published[name], mine[name]) for name in fields)


def _result_divergence(published: dict, replayed: dict | None, ticks: int) -> Divergence:
    if replayed is None:
        reason = (
            f"the command log does not end the run (the replay stops at tick {ticks},"
            f" the result says {published['ticks']})"
        )
    else:
        fields = [name for name in published if published[name] != replayed[name]]
        reason = "the result differs: " + ", ".join(
            _field_difference(name, published[name], replayed[name]) for name in fields
        )
    tick = published["ticks"] if ticks == published["ticks"] else min(ticks, published["ticks"]) + 1
    return Divergence(tick, reason)


def _field_difference(name: str, published: object, replayed: object) -> str:
    if name == "frameJson":
        return "state"
    return f"{name} published {published!r}, replayed {replayed!r}"
