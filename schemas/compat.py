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

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from fastavro.schema import expand_schema, load_schema

from schemas.codec import TOPIC_SCHEMAS, fullname


def expanded(schema_dir: Path, name: str) -> avro.schema.Schema:
    parsed = load_schema(schema_dir / f"{fullname(name)}.avsc", _write_hint=False)
    return avro.schema.parse(json.dumps(expand_schema(parsed)))


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
