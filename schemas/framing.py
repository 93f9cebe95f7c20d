"""The standard framing of a topic value, and the schema ids that choose it.

Every topic value written from now on is framed the way the Kafka ecosystem's Avro
tools expect (Kafka Connect, Spark, Flink, ksqlDB, kcat, ``confluent-kafka``): the magic
byte 0, the writer schema's id in a schema registry as 4 big-endian bytes, then the
Avro binary body. Values written before carry Avro's single-object header instead
(``schemas.codec``); readers take both, told apart by the first byte (0 against C3).

The ids come from the registry (``infra.schemaregistry`` registers the schemas and
builds a ``SchemaIds``); this module knows nothing of the network. A process installs
its ``SchemaIds`` once at start (``use_schema_ids``) and every ``Codec`` it makes
afterwards writes with them; without any, a codec writes the single-object encoding
(unit tests, tools that only read committed files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAGIC = b"\x00"
HEADER_LEN = 5  # the magic byte and a 4-byte id
MAX_ID = (1 << 31) - 1  # registries hand out non-negative Java ints

# A registered schema's document (JSON text) by id; raises LookupError for an id the
# registry does not know, OSError when the registry cannot be asked.
SchemaLookup = Callable[[int], str]


def header(schema_id: int) -> bytes:
    """The standard header of a value whose writer schema has ``schema_id``."""
    if not 0 <= schema_id <= MAX_ID:
        raise ValueError(f"schema id {schema_id} is out of range")
    return MAGIC + schema_id.to_bytes(4, "big")


def schema_id(data: bytes) -> int | None:
    """The schema id of a standard-framed value, None for any other framing."""
    if len(data) < HEADER_LEN or data[0] != 0:
        return None
    return int.from_bytes(data[1:HEADER_LEN], "big")


@dataclass(frozen=True)
class SchemaIds:
    """What the registry said: the id of each topic schema's current version (the ones a
    process writes with), the ids it already knows of earlier versions (id -> the
    version's 8-byte CRC-64-AVRO fingerprint, as in the single-object header), how to ask
    about any other id, and where the ids come from (named in errors)."""

    current: Mapping[str, int] = field(default_factory=dict)
    fingerprints: Mapping[int, bytes] = field(default_factory=dict)
    lookup: SchemaLookup | None = None
    source: str = "no schema registry"


_installed: SchemaIds | None = None


def use_schema_ids(ids: SchemaIds | None) -> None:
    """Install the process's ids: codecs made from now on write and read with them."""
    global _installed
    _installed = ids


def installed_schema_ids() -> SchemaIds | None:
    return _installed
