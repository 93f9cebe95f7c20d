"""``molt export SESSION_ID --format avro|jsonl -o FILE``: one run's records, for analysts.

Writes the run's command records and its result (``--frames``: its published frames
too) as described in ``molt.export``. Progress and the summary go to stderr. Exit
codes (``molt.errors``): 2 for bad input (SESSION_NOT_FOUND), 3 when Kafka cannot be
read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from infra.logreader import LogReader
from infra.runlog import RunLog, RunTopics
from infra.schemaregistry import install_lookup
from infra.settings import KafkaSettings, SchemaRegistrySettings, TopicSettings
from molt.commands.replay import EXIT_MATCH, add_topic_prefix, session_results
from molt.export import FORMATS, export_datums, write
from molt.preflight import require_kafka


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write one run's records to an Avro container file or JSON lines")
    parser.add_argument("session_id", metavar="SESSION_ID")
    parser.add_argument("--format", choices=FORMATS, required=True, help="avro (container file) or jsonl")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    parser.add_argument("--frames", action="store_true", help="also the frames published for the run (kept one day)")
    add_topic_prefix(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_export(args))


async def _export(args: argparse.Namespace) -> int:
    bootstrap = KafkaSettings().bootstrap_servers
    require_kafka(bootstrap)
    install_lookup(SchemaRegistrySettings())  # schema ids are asked about as they are met
    async with LogReader(bootstrap) as reader:
        log = RunLog(reader, TopicSettings().partitions, RunTopics.prefixed(args.topic_prefix))
        results = await session_results(log, args.session_id)
        result = results[0].value
        _say(f"reading the commands of {args.session_id} (partition {result['commandOffsets']['partition']})…")
        commands = await log.commands([result])
        frames = []
        if args.frames:
            _say("reading its frames…")
            frames = (await log.frames([result])).get(args.session_id, [])
    written = write(args.output, args.format, export_datums(commands, results, frames))
    _say(
        f"wrote {written} records to {args.output} ({args.format}): {len(commands)} commands, "
        f"{len(results)} result{'s' if len(results) > 1 else ''}, {len(frames)} frames"
    )
    return EXIT_MATCH


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
