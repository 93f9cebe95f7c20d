"""Every topic schema stays compatible with every committed version of itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from molt.schema_history import committed_versions, export
from schemas.codec import HISTORY_DIR, SCHEMA_DIR, TOPIC_SCHEMAS, Codec
from schemas.compat import expanded_json, freeze, history_path, incompatibilities


@pytest.mark.parametrize("commit", committed_versions())
def test_schemas_are_compatible_with_committed_version(commit: str, tmp_path: Path) -> None:
    old = export(commit, tmp_path / commit)
    assert incompatibilities(old, SCHEMA_DIR) == []


@pytest.mark.parametrize("commit", committed_versions())
def test_every_committed_version_stays_readable(commit: str, tmp_path: Path) -> None:
    old = export(commit, tmp_path / commit)
    known = {history_path(HISTORY_DIR, n, expanded_json(SCHEMA_DIR, n)) for n in TOPIC_SCHEMAS}
    known |= set(HISTORY_DIR.glob("*.json"))
    missing = [
        name
        for name in TOPIC_SCHEMAS
        if (old / f"games.moltstation.live.{name}.avsc").exists()
        and history_path(HISTORY_DIR, name, expanded_json(old, name)) not in known
    ]
    assert missing == [], "run `molt schemas freeze` and commit schemas/history"


def test_a_record_written_by_an_earlier_version_decodes(tmp_path: Path) -> None:
    history = tmp_path / "history"
    old = edit(tmp_path, "SpectatorCount", lambda d: d["fields"].pop())  # drop "max"
    current = edit(tmp_path / "current", "SpectatorCount", lambda d: d["fields"][-1].update(default=50))
    assert [p.name.split(".")[0] for p in freeze(old, current, history)] == ["SpectatorCount"]
    written = Codec(old, tmp_path / "none").encode(
        "SpectatorCount", {"sessionId": "s", "engineVersion": 1, "seq": 2, "current": 3}
    )
    decoded = Codec(current, history).decode("SpectatorCount", written)
    assert decoded == {"sessionId": "s", "engineVersion": 1, "seq": 2, "current": 3, "max": 50}


def edit(tmp_path: Path, schema: str, change) -> Path:
    copy = tmp_path / "new"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SCHEMA_DIR, copy)
    path = copy / f"games.moltstation.live.{schema}.avsc"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return copy


def test_a_field_added_without_default_is_caught(tmp_path: Path) -> None:
    new = edit(tmp_path, "Tick", lambda d: d["fields"].append({"name": "extra", "type": "long"}))
    problems = incompatibilities(SCHEMA_DIR, new)
    assert any("SessionCommand is not backward compatible" in p for p in problems)


def test_a_field_added_with_default_is_accepted(tmp_path: Path) -> None:
    new = edit(tmp_path, "Tick", lambda d: d["fields"].append({"name": "extra", "type": "long", "default": 0}))
    assert incompatibilities(SCHEMA_DIR, new) == []


def test_a_removed_enum_symbol_is_caught(tmp_path: Path) -> None:
    new = edit(tmp_path, "SessionStatus", lambda d: d["symbols"].remove("ended"))
    assert any("SessionView is not backward compatible" in p for p in incompatibilities(SCHEMA_DIR, new))
