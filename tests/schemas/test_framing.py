"""The standard framing (magic byte 0 and a 4-byte schema id) beside the single-object one.

A codec given schema ids writes the standard framing and reads both; values written
before (single-object) decode the same; an id the codec was not told of is asked of
the lookup once, and one nobody knows is an error naming the id.
"""

from __future__ import annotations

import io
import json

import fastavro
import pytest
from fastavro.schema import parse_schema

from schemas.codec import HISTORY_DIR, SCHEMA_DIR, Codec, SchemaMismatch, UnknownSchemaId
from schemas.compat import expanded_json
from schemas.framebatch import FrameBatchWriter, decode_batch
from schemas.framing import SchemaIds, header, schema_id
from tests.schemas.test_codec import RESULT

RESULT_ID, FRAMES_ID, OLD_OUTCOME_ID = 7, 300_000, 12
OLD_OUTCOME = HISTORY_DIR / "RunOutcome.75e0446ce4036394.json"
IDS = SchemaIds(
    current={"RunResult": RESULT_ID, "FrameBatch": FRAMES_ID},
    fingerprints={OLD_OUTCOME_ID: bytes.fromhex(OLD_OUTCOME.name.split(".")[1])},
    source="a test",
)
FRAMES = [
    {"sessionId": f"s-{n}", "engineVersion": 1, "seq": n, "lastInputSeq": 0, "stateHash": "h", "frameJson": "{}"}
    for n in range(3)
]


def _result() -> dict:
    """RunResult as the codec reads it back."""
    return Codec().decode("RunResult", Codec().encode("RunResult", RESULT))


def test_a_codec_with_ids_writes_the_standard_header_and_reads_it_back() -> None:
    data = Codec(ids=IDS).encode("RunResult", RESULT)
    assert data[:5] == b"\x00" + RESULT_ID.to_bytes(4, "big") == header(RESULT_ID)
    assert schema_id(data) == RESULT_ID
    assert Codec(ids=IDS).decode("RunResult", data) == _result()
    # The body is the single-object one's, byte for byte: only the header differs.
    assert data[5:] == Codec().encode("RunResult", RESULT)[10:]


def test_values_written_before_the_standard_framing_still_decode_equal() -> None:
    old = Codec().encode("RunResult", RESULT)
    assert old[:2] == b"\xc3\x01"
    assert Codec(ids=IDS).decode("RunResult", old) == _result()
    assert Codec(ids=IDS).writer_name(old) == "RunResult"


def test_frame_batches_in_either_framing_are_read_by_the_compiled_reader_and_the_codec() -> None:
    codec = Codec(ids=IDS)
    new = FrameBatchWriter(codec).encode(2, 5, 6, FRAMES)
    old = FrameBatchWriter(Codec()).encode(2, 5, 6, FRAMES)
    assert new[:5] == header(FRAMES_ID) and old[:2] == b"\xc3\x01"
    assert FrameBatchWriter(codec, use_compiled=False).encode(2, 5, 6, FRAMES) == new
    for data in (new, old):
        assert decode_batch(codec, data) == codec.decode("FrameBatch", data)
        assert decode_batch(codec, data)["frames"] == FRAMES


def test_an_earlier_version_named_by_id_is_read_through_schema_resolution() -> None:
    old_schema = json.loads(OLD_OUTCOME.read_text())
    example = {"string": "x", "long": 4, "int": 1}
    datum = {field["name"]: example[field["type"]] for field in old_schema["fields"]}
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parse_schema(old_schema), datum)
    decoded = Codec(ids=IDS).decode("RunOutcome", header(OLD_OUTCOME_ID) + out.getvalue())
    assert {name: decoded[name] for name in datum} == datum


def test_an_unknown_id_is_asked_of_the_lookup_once_and_kept() -> None:
    asked: list[int] = []
    document = json.dumps(expanded_json(SCHEMA_DIR, "RunResult"))

    def lookup(schema_id: int) -> str:
        asked.append(schema_id)
        return document

    codec = Codec(ids=SchemaIds(lookup=lookup, source="a test"))
    data = header(99) + Codec().encode("RunResult", RESULT)[10:]
    assert codec.decode("RunResult", data) == _result()
    assert codec.decode("RunResult", data) == _result()
    assert asked == [99]


@pytest.mark.parametrize(
    ("lookup", "reason"),
    [
        (None, "no schema registry to ask"),
        ("unknown", "does not know it"),
        ("down", "could not be asked"),
        ("foreign", "not a topic schema"),
    ],
)
def test_an_id_nobody_can_resolve_is_an_error_naming_the_id(lookup: str | None, reason: str) -> None:
    def ask(schema_id: int) -> str:
        if lookup == "unknown":
            raise LookupError(schema_id)
        if lookup == "down":
            raise ConnectionRefusedError("refused")
        return json.dumps({"type": "record", "name": "other.Thing", "fields": []})

    ids = SchemaIds(lookup=None if lookup is None else ask, source="the schema registry at http://r")
    codec = Codec(ids=ids)
    with pytest.raises(UnknownSchemaId) as raised:
        codec.decode("RunResult", header(4242) + b"\x00")
    assert raised.value.schema_id == 4242
    assert "4242" in str(raised.value) and reason in str(raised.value)
    assert "on session.results" in str(raised.value.on("session.results"))
    if lookup is None:
        assert "no schema registry" in str(raised.value)


def test_a_standard_value_of_another_schema_is_a_mismatch() -> None:
    data = Codec(ids=IDS).encode("RunResult", RESULT)
    with pytest.raises(SchemaMismatch):
        Codec(ids=IDS).decode("FrameBatch", data)
    with pytest.raises(SchemaMismatch):
        Codec(ids=IDS).decode("RunResult", b"\x00\x00")


def test_a_schema_id_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        header(-1)
    with pytest.raises(ValueError):
        header(1 << 32)
