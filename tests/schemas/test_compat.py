"""Every topic schema stays compatible with every committed version of itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from molt.settings import REPO_ROOT
from schemas.codec import SCHEMA_DIR
from schemas.compat import incompatibilities

SCHEMA_PATH = SCHEMA_DIR.relative_to(REPO_ROOT).as_posix()


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout


def committed_versions() -> list[str]:
    return git("rev-list", "HEAD", "--", SCHEMA_PATH).split()


def export(commit: str, into: Path) -> Path:
    into.mkdir(parents=True)
    for path in git("ls-tree", "--name-only", f"{commit}:{SCHEMA_PATH}").split():
        (into / path).write_text(git("show", f"{commit}:{SCHEMA_PATH}/{path}"))
    return into


@pytest.mark.parametrize("commit", committed_versions())
def test_schemas_are_compatible_with_committed_version(commit: str, tmp_path: Path) -> None:
    old = export(commit, tmp_path / commit)
    assert incompatibilities(old, SCHEMA_DIR) == []


def edit(tmp_path: Path, schema: str, change) -> Path:  # noqa: ANN001
    copy = tmp_path / "new"
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
