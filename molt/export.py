"""Writing one run's records to a file for analysts: an Avro container file or JSON lines.

The records are the run's command records (its own and the partition's Ticks of its
offset range: exactly what a replay folds), then its RunResult (each time it was
published), then, if asked, the frames published for it. Each is written as a
``RunExportRecord`` (schemas/avro): the topic, partition, offset and timestamp it had
in the log, and the record itself.

- Avro: an object container file (deflate) with that writer schema embedded, so any
  Avro reader opens it without this repository.
- JSON lines: one RunExportRecord per line; a union's value is written as an object
  whose ``type`` names the branch (``{"type": "InputReceived", "inputSeq": 3, …}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import fastavro
import orjson

from infra.runlog import Logged
from schemas.codec import NAMESPACE, load_topic_schema
from schemas.records import SessionCommand, command_to_datum

FORMATS = ("avro", "jsonl")
EXPORT_SCHEMA = "RunExportRecord"


def export_datums(commands: Iterable[Logged], results: Iterable[Logged], frames: Iterable[Logged]) -> Iterator[dict]:
    """RunExportRecord datums, unions in fastavro's (type name, value) notation."""
    for group, schema in ((commands, "SessionCommand"), (results, "RunResult"), (frames, "SessionFrame")):
        for logged in group:
            value = command_to_datum(logged.value) if isinstance(logged.value, SessionCommand) else logged.value
            yield {
                "topic": logged.topic,
                "partition": logged.partition,
                "offset": logged.offset,
                "timestampMs": logged.timestamp_ms,
                "record": (f"{NAMESPACE}.{schema}", value),
            }


def write(path: Path, fmt: str, datums: Iterable[dict]) -> int:
    """Write ``datums`` to ``path`` in format ``fmt``; returns how many were written."""
    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for datum in datums:
            count += 1
            yield datum

    with path.open("wb") as out:
        if fmt == "avro":
            fastavro.writer(out, fastavro.parse_schema(load_topic_schema(EXPORT_SCHEMA)), counted(), codec="deflate")
        else:
            for datum in counted():
                out.write(orjson.dumps(_plain(datum)) + b"\n")
    return count


def _plain(value: Any) -> Any:
    """A datum with every (type name, value) union branch as ``{"type": short name, **fields}``."""
    if isinstance(value, tuple):
        name, fields = value
        return {"type": name.rsplit(".", 1)[-1], **_plain(fields)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
