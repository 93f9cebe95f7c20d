"""The one Avro codec every process uses, worker and edge alike.

Each topic value is written in the standard framing of the Kafka ecosystem (the magic
byte 0 and the writer schema's 4-byte registry id, ``schemas.framing``) once the
process has its schema ids from the registry; without them, and in every value written
before the registry came, it is Avro single-object encoded: the two marker bytes
``C3 01``, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then
the binary body written by fastavro. A reader takes both framings and finds the writer
schema by id or fingerprint, so a record written under an older compatible schema still
decodes; an unknown fingerprint or id is a ``SchemaMismatch``, never a silent misread.
An id the process was not told of at start is asked of the registry once (through the
lookup the ``SchemaIds`` carry) and kept.

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

from schemas import framing
from schemas.framing import SchemaIds, installed_schema_ids

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


class UnknownSchemaId(SchemaMismatch):
    """A standard-framed value names a schema id the registry could not resolve."""

    def __init__(self, schema_id: int, reason: str, topic: str | None = None) -> None:
        where = "" if topic is None else f" on {topic}"
        super().__init__(f"unknown writer schema id {schema_id}{where}: {reason}")
        self.schema_id, self.reason, self.topic = schema_id, reason, topic

    def on(self, topic: str) -> UnknownSchemaId:
        """The same error, naming the topic the value was read from."""
        return self if self.topic is not None else UnknownSchemaId(self.schema_id, self.reason, topic)


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


# A writer: (topic schema name, its schema when an earlier or foreign version, else None).
Writer = tuple[str, dict[str, Any] | None]


class Codec:
    """Encodes and decodes the value of every topic by schema name.

    ``ids`` (else those the process installed with ``framing.use_schema_ids``, looked at
    on first use) choose the standard framing for writing and resolve it for reading.
    """

    def __init__(
        self, schema_dir: Path = SCHEMA_DIR, history_dir: Path = HISTORY_DIR, ids: SchemaIds | None = None
    ) -> None:
        self._schema_dir = schema_dir
        self._history_dir = history_dir
        self._given_ids = ids

    @cached_property
    def ids(self) -> SchemaIds:
        return self._given_ids or installed_schema_ids() or SchemaIds()

    @cached_property
    def _schemas(self) -> dict[str, dict[str, Any]]:
        return {name: load_topic_schema(name, self._schema_dir) for name in TOPIC_SCHEMAS}

    @cached_property
    def _single_object_headers(self) -> dict[str, bytes]:
        return {name: MARKER + schema_fingerprint(s) for name, s in self._schemas.items()}

    @cached_property
    def _headers(self) -> dict[str, bytes]:
        current = self.ids.current
        return {
            name: framing.header(current[name]) if name in current else single
            for name, single in self._single_object_headers.items()
        }

    @cached_property
    def _old_writers(self) -> dict[bytes, Writer]:
        """Earlier versions of topic schemas, by single-object header."""
        writers: dict[bytes, Writer] = {}
        for path in sorted(self._history_dir.glob("*.json")):
            name = path.name.split(".", 1)[0]
            parsed = record_schema(parse_schema(json.loads(path.read_text())))
            writers[MARKER + schema_fingerprint(parsed)] = (name, parsed)
        return writers

    @cached_property
    def _writers(self) -> dict[bytes, Writer]:
        """Every writer known without asking anyone, by header (of either framing); the
        ids resolved later through the registry are added as they are met."""
        writers: dict[bytes, Writer] = {header: (name, None) for name, header in self._single_object_headers.items()}
        writers.update(self._old_writers)
        writers.update((framing.header(i), (name, None)) for name, i in self.ids.current.items())
        for schema_id, digest in self.ids.fingerprints.items():
            known = writers.get(MARKER + digest)
            if known is not None:
                writers[framing.header(schema_id)] = known
        return writers

    def schema(self, name: str) -> dict[str, Any]:
        return self._schemas[name]

    def header(self, name: str) -> bytes:
        """The header every value of the topic schema ``name`` this codec writes starts with."""
        return self._headers[name]

    def single_object_header(self, name: str) -> bytes:
        """The single-object header of the current version of ``name`` (values written
        before the standard framing)."""
        return self._single_object_headers[name]

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
        return self._writer(data)[0][0]

    def _writer(self, data: bytes) -> tuple[Writer, int]:
        """The writer of ``data`` and where its body starts."""
        size = framing.HEADER_LEN if data[:1] == framing.MAGIC else HEADER_LEN
        header = bytes(data[:size])
        found = self._writers.get(header)
        if found is None:
            found = self._unknown(header)
        return found, size

    def _unknown(self, header: bytes) -> Writer:
        schema_id = framing.schema_id(header)
        if schema_id is not None:
            found = self._writers[header] = self._resolve(schema_id)
            return found
        if len(header) < HEADER_LEN or not header.startswith(MARKER):
            raise SchemaMismatch("neither a standard-framed nor a single-object encoded Avro value")
        raise SchemaMismatch(f"unknown writer schema fingerprint {header[2:].hex()}")

    def _resolve(self, schema_id: int) -> Writer:
        """The writer of an id met for the first time, asked of the registry."""
        ids = self.ids
        if ids.lookup is None:
            raise UnknownSchemaId(schema_id, "this process has no schema registry to ask about it")
        try:
            document = ids.lookup(schema_id)
        except LookupError:
            raise UnknownSchemaId(schema_id, f"{ids.source} does not know it") from None
        except OSError as exc:
            raise UnknownSchemaId(schema_id, f"{ids.source} could not be asked ({exc})") from exc
        try:
            parsed = record_schema(parse_schema(json.loads(document)))
        except (ValueError, TypeError, KeyError) as exc:
            raise UnknownSchemaId(schema_id, f"{ids.source} holds no Avro record schema under it ({exc})") from exc
        known = self._writers.get(MARKER + schema_fingerprint(parsed))
        if known is not None:
            return known
        name = str(parsed["name"]).rpartition(".")[2]
        if name not in TOPIC_SCHEMAS:
            raise UnknownSchemaId(schema_id, f"it is {parsed['name']}, not a topic schema of this product")
        return name, parsed  # a version this code has never seen: read through schema resolution

    def decode(self, name: str, data: bytes) -> dict[str, Any]:
        """Decode bytes that must have been written with (a version of) the schema ``name``."""
        (writer, old_schema), start = self._writer(data)
        if writer != name:
            raise SchemaMismatch(f"expected {name}, the bytes hold {writer}")
        reader = self._schemas[name]
        try:
            datum = fastavro.schemaless_reader(
                io.BytesIO(data[start:]),
                reader if old_schema is None else old_schema,
                None if old_schema is None else reader,
                return_record_name=True,
                return_record_name_override=True,
            )
        except (EOFError, ValueError, TypeError, IndexError) as exc:
            raise CodecError(f"cannot decode {name}: {exc}") from exc
        return cast(dict[str, Any], datum)  # a record schema reads a dict
