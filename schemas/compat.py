"""Schema evolution check: is a set of schemas compatible with an earlier set?

Readers and writers of the product run different versions during a rollout and
analysts read years-old topics, so every topic schema must stay fully compatible:
new code reads old records (backward) and old code reads new records (forward). The
check uses the ``avro`` package's reader/writer compatibility checker on the fully
expanded topic schemas (every referenced type inlined).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro.schema import parse_schema

from schemas.codec import HISTORY_DIR, SCHEMA_DIR, TOPIC_SCHEMAS, fullname, record_schema, schema_fingerprint

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def _inline(node: object, schema_dir: Path, defined: set[str]) -> object:
    """``node`` with each named type defined in full where it is first used."""
    if isinstance(node, str):
        if node in PRIMITIVES or node in defined:
            return node
        return _inline(json.loads((schema_dir / f"{node}.avsc").read_text()), schema_dir, defined)
    if isinstance(node, list):
        return [_inline(branch, schema_dir, defined) for branch in node]
    if isinstance(node, dict):
        kind = node["type"]
        if kind in ("record", "enum", "fixed"):
            defined.add(f"{node['namespace']}.{node['name']}" if "namespace" in node else node["name"])
        if kind == "record":
            fields = [{**f, "type": _inline(f["type"], schema_dir, defined)} for f in node["fields"]]
            return {**node, "fields": fields}
        if kind == "array":
            return {**node, "items": _inline(node["items"], schema_dir, defined)}
        if kind == "map":
            return {**node, "values": _inline(node["values"], schema_dir, defined)}
        if kind not in ("enum", "fixed"):
            return {**node, "type": _inline(kind, schema_dir, defined)}
    return node


def expanded_json(schema_dir: Path, name: str) -> dict[str, Any]:
    """The topic schema ``name`` as one self-contained document."""
    return _inline(fullname(name), schema_dir, set())  # type: ignore[return-value]


def expanded(schema_dir: Path, name: str) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps(expanded_json(schema_dir, name)))


def history_path(history_dir: Path, name: str, document: dict[str, Any]) -> Path:
    header = schema_fingerprint(record_schema(parse_schema(document)))
    return history_dir / f"{name}.{header.hex()}.json"


def freeze(old_dir: Path, current_dir: Path = SCHEMA_DIR, history_dir: Path = HISTORY_DIR) -> list[Path]:
    """Keep every topic schema of ``old_dir`` that differs from the current one; returns new files."""
    written = []
    for name in TOPIC_SCHEMAS:
        if not (old_dir / f"{fullname(name)}.avsc").exists():
            continue
        document = expanded_json(old_dir, name)
        path = history_path(history_dir, name, document)
        if path == history_path(history_dir, name, expanded_json(current_dir, name)) or path.exists():
            continue
        history_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=1) + "\n")
        written.append(path)
    return written


def incompatibilities(old_dir: Path, new_dir: Path) -> list[str]:
    """Problems found, one line each; empty when every topic schema is compatible."""
    checker = ReaderWriterCompatibilityChecker()
    problems = []
    for name in TOPIC_SCHEMAS:
        if not (old_dir / f"{fullname(name)}.avsc").exists():
            continue  # a new topic schema has no history to be compatible with
        old, new = expanded(old_dir, name), expanded(new_dir, name)
        for direction, reader, writer in (("backward", new, old), ("forward", old, new)):
            result = checker.get_compatibility(reader, writer)
            if result.compatibility is not SchemaCompatibilityType.compatible:
                problems.append(f"{name} is not {direction} compatible: {'; '.join(result.messages)}")
    return problems
