"""The committed versions of the Avro schemas, read from git.

``molt schemas freeze`` keeps each committed topic schema that differs from the
current one in ``schemas/history``, so the codec can still read records it wrote;
the schema tests check every committed version for compatibility and presence there.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from infra.settings import REPO_ROOT
from schemas.codec import SCHEMA_DIR
from schemas.compat import freeze

SCHEMA_PATH = SCHEMA_DIR.relative_to(REPO_ROOT).as_posix()


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout


def committed_versions() -> list[str]:
    """Every commit that changed the schemas, newest first."""
    return _git("rev-list", "HEAD", "--", SCHEMA_PATH).split()


def export(commit: str, into: Path) -> Path:
    """Write the schema folder as it was at ``commit`` into ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    for name in _git("ls-tree", "--name-only", f"{commit}:{SCHEMA_PATH}").split():
        (into / name).write_text(_git("show", f"{commit}:{SCHEMA_PATH}/{name}"))
    return into


def freeze_committed() -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for commit in committed_versions():
            written += freeze(export(commit, Path(tmp) / commit))
    return written
