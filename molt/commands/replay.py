"""``molt replay SESSION_ID | --all``: rebuild ended runs from the topics alone and check them.

Each run is found by its RunResult, its command records are folded again offline, and
the replay is compared with what was published: every published frame, tick by tick,
and the result (final state hash first). See ``infra.runlog`` for how the records are
found and ``streams.sessions.verify`` for what counts as a divergence. When a run's
frames are gone (session.frames keeps one day) only its result is compared, and the
summary says so.

A run recorded by another engine version than this build's is skipped, and counted
apart: only an engine of that version knows what its log means.

Exit codes (``molt.errors``): 0 every run matches (or is skipped); 1 a run does not;
2 bad input (``error CODE: …`` on stderr, e.g. SESSION_NOT_FOUND); 3 the log could not
be read (Kafka unreachable).
Summaries go to stdout; the progress of ``--all`` to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from concurrent.futures import Executor

from infra.logreader import LogReader
from infra.runlog import Logged, RunLog, RunTopics
from infra.schemaregistry import install_lookup
from infra.settings import KafkaSettings, SchemaRegistrySettings, TopicSettings
from molt.errors import CliError, ExitCode
from molt.preflight import require_kafka
from molt.runcheck import check_runs, replay_pool
from streams.sessions.verify import RunCheck

EXIT_MATCH, EXIT_MISMATCH = 0, ExitCode.FAILED
BAR_WIDTH = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay", help="re-simulate ended runs from the log and compare them with what was published"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("session_id", nargs="?", metavar="SESSION_ID", help="the run of this session")
    which.add_argument("--all", action="store_true", help="every run with a published result")
    add_topic_prefix(parser)
    parser.set_defaults(func=run)


def add_topic_prefix(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--topic-prefix", default="", metavar="PREFIX",
        help="read PREFIX + the topic names, e.g. a MirrorMaker copy 'backup.session.commands'",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_replay(args))


async def session_results(log: RunLog, session_id: str) -> list[Logged]:
    """The published results of one session, or SESSION_NOT_FOUND."""
    results = (await log.results(session_id)).get(session_id)
    if not results:
        message = f"no result on {log.topics.results} for session {session_id!r}"
        raise CliError(ExitCode.USAGE, message, "SESSION_NOT_FOUND")
    return results


async def _replay(args: argparse.Namespace) -> int:
    topics = RunTopics.prefixed(args.topic_prefix)
    bootstrap = KafkaSettings().bootstrap_servers
    require_kafka(bootstrap)
    install_lookup(SchemaRegistrySettings())  # schema ids are asked about as they are met
    async with LogReader(bootstrap) as reader:
        log = RunLog(reader, TopicSettings().partitions, topics)
        if not args.all:
            [check] = [check async for check in check_runs(log, [await session_results(log, args.session_id)])]
            print("\n".join(describe(check)))
            return EXIT_MISMATCH if check.divergence else EXIT_MATCH
        runs = await log.results()
        with replay_pool() as pool:
            counts = await _replay_all(log, runs, pool)
    print(f"{len(runs)} runs replayed: {counts['matched']} matched, {counts['mismatched']} mismatched"
          f" ({counts['hash_only']} by the final state hash only: their frames are gone;"
          f" {counts['skipped']} skipped: recorded by another engine version)")  # fmt: skip
    return EXIT_MATCH if counts["mismatched"] == 0 else EXIT_MISMATCH


async def _replay_all(log: RunLog, runs: dict[str, list[Logged]], pool: Executor) -> Counter[str]:
    """Replay every run, printing mismatches as they come; the count of each outcome."""
    counts: Counter[str] = Counter(matched=0, mismatched=0, hash_only=0, skipped=0)
    done = 0
    async for check in check_runs(log, list(runs.values()), pool):
        done += 1
        if check.matched:
            counts["matched"] += 1
        elif check.skipped:
            counts["skipped"] += 1
        else:
            counts["mismatched"] += 1
            _progress_break()
            print("\n".join(describe(check)), flush=True)
        counts["hash_only"] += check.hash_only
        _progress(done, len(runs))
    _progress_break()
    return counts


def describe(check: RunCheck) -> list[str]:
    """A run's replay summary, a few lines."""
    r = check.result
    offsets = r["commandOffsets"]
    lines = [
        f"{r['sessionId']}  {r['game']} ({r['mode']})  seed {r['seed']}  {r['ticks']} ticks  score {r['score']}"
        f"  {r['endReason']}",
        f"  commands: partition {offsets['partition']}, offsets {offsets['first']}..{offsets['last']};"
        f" replayed {check.ticks_replayed} ticks",
    ]
    if check.skipped:
        lines.append(f"  SKIPPED: {check.skipped}")
        return lines
    if check.hash_only:
        lines.append("  frames:   none published any more (kept one day): compared the result only")
    else:
        gaps = f", {check.frames_missing} never published" if check.frames_missing else ""
        lines.append(f"  frames:   {check.frames_published} published frames compared{gaps}")
    replayed = check.replayed
    same_hash = replayed is not None and replayed["finalStateHash"] == r["finalStateHash"]
    lines.append(f"  result:   final state hash {r['finalStateHash'][:16]}… {'matches' if same_hash else 'differs'}")
    if check.divergence is None:
        lines.append("  MATCH")
    else:
        lines.append(f"  MISMATCH from tick {check.divergence.tick}: {check.divergence.reason}")
    return lines


def _progress(done: int, total: int) -> None:
    filled = BAR_WIDTH * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] replayed {done}/{total}")
    sys.stderr.flush()


def _progress_break() -> None:
    sys.stderr.write("\n")
    sys.stderr.flush()
