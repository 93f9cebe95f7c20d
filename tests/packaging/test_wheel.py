"""The wheel carries every file its packages read at run time, and the product works
installed from it, not only from a source tree.

The wheel is built (``pip wheel``, with build isolation: its build requirements come
from the index or pip's cache) from a scratch copy of the files git lists in the working
tree, tracked or untracked and not ignored, then installed into a fresh venv whose
dependencies are this interpreter's site-packages, put after the venv's own. Marked
``integration`` for its cost (a Cython build of one to three minutes), not for a broker:
the fast run skips it and the default run keeps it.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import json
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from app.web import pages
from schemas.codec import HISTORY_DIR, SCHEMA_DIR, Codec
from schemas.records import SessionCommand, SessionOpened, command_to_datum, encode_command

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
PACKAGES = {pattern.rstrip("*") for pattern in SETUPTOOLS["packages"]["find"]["include"]}
COMPILED = [module["name"] for module in SETUPTOOLS["ext-modules"]]
# Sources the wheel carries compiled (a .so), not as they are.
CYTHON_SUFFIXES = {".pyx", ".pxd"}
# Files that deploy the product (an image, Compose, Kubernetes), kept beside the local
# Kafka's in infra/ but never read by an installed product.
DEPLOYMENT_FOLDERS = ("infra/compose/", "infra/image/", "infra/k8s/")
# An opened session: the record whose body gained fields since its committed earlier schema.
COMMAND = SessionCommand(
    "s-1", 1, "edge-1", 3, 1_700_000_000_000, SessionOpened("flappy-bots", "api", 7, "p-1", "Pat", 5)
)


def _source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    dist = tmp_path_factory.mktemp("dist")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", dist]
    subprocess.run([*pip_wheel, tree], check=True)
    (built,) = dist.glob("*.whl")
    return built


def test_the_wheel_carries_every_file_of_the_packages(wheel: Path) -> None:
    expected = {
        name
        for name in _source_files()
        if name.split("/")[0] in PACKAGES
        and Path(name).suffix not in CYTHON_SUFFIXES
        and not name.startswith(DEPLOYMENT_FOLDERS)
    }
    # Not vacuous: the data files the product reads beside its modules are among them.
    folders = {str(Path(name).parent) for name in expected}
    assert {"schemas/avro", "schemas/history", "app/web/static", "app/web/templates", "infra/kafka"} <= folders
    assert expected - set(zipfile.ZipFile(wheel).namelist()) == set()


def _earlier_commands(tmp_path: Path) -> list[bytes]:
    """COMMAND written under each committed earlier schema of SessionCommand: bytes only a
    codec that finds ``schemas/history`` can read."""
    written = []
    for number, earlier in enumerate(sorted(HISTORY_DIR.glob("SessionCommand.*.json"))):
        schemas = tmp_path / f"earlier-{number}"
        shutil.copytree(SCHEMA_DIR, schemas)
        shutil.copy(earlier, schemas / "games.moltstation.live.SessionCommand.avsc")
        written.append(encode_command(Codec(schemas, tmp_path / "no-history"), COMMAND))
    assert written, "no earlier SessionCommand schema in schemas/history"
    return written


def _venv(path: Path, wheel: Path) -> Path:
    """A fresh venv holding the wheel and, after it on sys.path, this interpreter's site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    python = path / "bin" / "python"
    pip_install = [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q"]
    subprocess.run([*pip_install, wheel], check=True)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A .pth line only adds its folder: the .pth files in there (such as the hook of an
    # editable install of this project) are not run.
    (Path(purelib) / "dependencies.pth").write_text("".join(f"{folder}\n" for folder in site.getsitepackages()))
    return python


def test_the_installed_wheel_codes_records_and_serves_pages(wheel: Path, tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv", wheel)
    earlier = _earlier_commands(tmp_path)
    request = {
        "command": command_to_datum(COMMAND),
        "earlier": [value.hex() for value in earlier],
        "modules": ["schemas.codec", "app.web.pages", *COMPILED],
    }
    run = subprocess.run(
        [python, "-I", Path(__file__).with_name("installed.py")],
        cwd=tmp_path,
        input=json.dumps(request),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)

    installed = tmp_path / "venv"
    assert all(Path(file).is_relative_to(installed) for file in answer["files"].values()), answer["files"]
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert all(answer["files"][name].endswith(suffixes) for name in COMPILED), answer["files"]
    datum = json.loads(json.dumps(command_to_datum(COMMAND)))
    assert answer["encoded"] == encode_command(Codec(), COMMAND).hex()
    assert answer["decoded"] == datum
    assert answer["earlier"] == [datum] * len(earlier)
    assert answer["home"] == asyncio.run(pages.home()).body.decode()
