"""The one Avro codec every process uses, worker and edge alike.

Each topic value is Avro single-object encoded: the two marker bytes ``C3 01``, the
8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then the binary
body written by fastavro. A reader finds the writer schema by fingerprint, so a record
written under an older compatible schema still decodes; an unknown fingerprint is a
``SchemaMismatch``, never a silent misread.

Schemas live one named type per file in ``schemas/avro`` (file name = full name), so
a topic's schema pulls in the record types it names. Earlier versions of each topic
schema are kept, expanded, in ``schemas/history`` (``molt schemas freeze`` writes them;
a test fails when a committed version is missing), so old records stay readable.
"""

from __future__ import annotations

import io
import json
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import fastavro
from fastavro.schema import fingerprint, load_schema, parse_schema, to_parsing_canonical_form
from fastavro.types import Schema

NAMESPACE = "games.moltstation.live"
SCHEMA_DIR = Path(__file__).resolve().parent / "avro"
HISTORY_DIR = Path(__file__).resolve().parent / "history"
MARKER = b"\xc3\x01"
HEADER_LEN = len(MARKER) + 8

# The value schema of every topic the product writes (views: of their changelogs).
TOPIC_SCHEMAS = (
    "SessionCommand",
    "FrameBatch",
    "RunResult",
    "RunOutcome",
    "SeatDecision",
    "SessionView",
    "SpectatorCount",
    "SessionState",
    "PartitionCheckpoint",
    "AgentRegistered",
    "NonceClaimed",
    "TableTurn",
    "RewardsEntry",
    "LeaderboardShard",
)


class CodecError(Exception):
    """A value could not be encoded or decoded; the message says which and why."""


class SchemaMismatch(CodecError):
    """The bytes were not written with a schema this codec knows."""


def fullname(name: str) -> str:
    return name if "." in name else f"{NAMESPACE}.{name}"


def load_topic_schema(name: str, schema_dir: Path = SCHEMA_DIR) -> dict[str, Any]:
    """The parsed schema of a named type, with every type it references resolved."""
    return record_schema(load_schema(str(schema_dir / f"{fullname(name)}.avsc")))


def record_schema(schema: Schema) -> dict[str, Any]:
    """A parsed schema that must be a record's (every topic value is one)."""
    if not isinstance(schema, dict):
        raise TypeError(f"expected a record schema, got {type(schema).__name__}")
    return schema


def schema_fingerprint(parsed: dict[str, Any]) -> bytes:
    value = int(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"), 16)
    return value.to_bytes(8, "little")


class Codec:
    """Encodes and decodes the value of every topic by schema name."""

    def __init__(self, schema_dir: Path = SCHEMA_DIR, history_dir: Path = HISTORY_DIR) -> None:
        self._schema_dir = schema_dir
        self._history_dir = history_dir

    @cached_property
    def _schemas(self) -> dict[str, dict[str, Any]]:
        return {name: load_topic_schema(name, self._schema_dir) for name in TOPIC_SCHEMAS}

    @cached_property
    def _headers(self) -> dict[str, bytes]:
        return {name: MARKER + schema_fingerprint(s) for name, s in self._schemas.items()}

    @cached_property
    def _by_fingerprint(self) -> dict[bytes, str]:
        return {header: name for name, header in self._headers.items()}

    @cached_property
    def _old_writers(self) -> dict[bytes, tuple[str, dict[str, Any]]]:
        """Earlier versions of topic schemas, by header: (topic schema name, parsed schema)."""
        writers = {}
        for path in sorted(self._history_dir.glob("*.json")):
            name = path.name.split(".", 1)[0]
            parsed = record_schema(parse_schema(json.loads(path.read_text())))
            writers[MARKER + schema_fingerprint(parsed)] = (name, parsed)
        return writers

    def schema(self, name: str) -> dict[str, Any]:
        return self._schemas[name]

    def header(self, name: str) -> bytes:
        """The single-object header every value of the topic schema ``name`` starts with."""
        return self._headers[name]

    def encode(self, name: str, datum: dict[str, Any]) -> bytes:
        out = io.BytesIO()
        out.write(self._headers[name])
        try:
            fastavro.schemaless_writer(out, self._schemas[name], datum)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CodecError(f"cannot encode {name}: {exc}") from exc
        return out.getvalue()

    def writer_name(self, data: bytes) -> str:
        """Which topic schema wrote these bytes (in its current or an earlier version)."""
        return self._writer(data)[0]

    def _writer(self, data: bytes) -> tuple[str, dict[str, Any] | None]:
        """(topic schema name, writer schema when it is an earlier version, else None)."""
        header = bytes(data[:HEADER_LEN])
        if len(header) < HEADER_LEN or not header.startswith(MARKER):
            raise SchemaMismatch("not an Avro single-object encoded value")
        name = self._by_fingerprint.get(header)
        if name is not None:
            return name, None
        old = self._old_writers.get(header)
        if old is None:
            raise SchemaMismatch(f"unknown writer schema fingerprint {header[2:].hex()}")
        return old

    def decode(self, name: str, data: bytes) -> dict[str, Any]:
        """Decode bytes that must have been written with (a version of) the schema ``name``."""
        writer, old_schema = self._writer(data)
        if writer != name:
            raise SchemaMismatch(f"expected {name}, the bytes hold {writer}")
        reader = self._schemas[name]
        try:
            datum = fastavro.schemaless_reader(
                io.BytesIO(data[HEADER_LEN:]),
                reader if old_schema is None else old_schema,
                None if old_schema is None else reader,
                return_record_name=True,
                return_record_name_override=True,
            )
        except (EOFError, ValueError, TypeError, IndexError) as exc:
            raise CodecError(f"cannot decode {name}: {exc}") from exc
        return cast(dict[str, Any], datum)  # a record schema reads a dict
