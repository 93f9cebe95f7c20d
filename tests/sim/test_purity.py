"""The simulation core stays pure: no impure imports and no float arithmetic, checked on
the source of every module in ``streams.sim`` and every ``streams`` module they import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import streams

STREAMS_ROOT = Path(streams.__file__).parent
SIM_MODULES = sorted((STREAMS_ROOT / "sim").glob("*.py"))
FORBIDDEN = {"faust", "asyncio", "aiokafka", "time", "random", "os", "uuid", "datetime", "secrets"}


def _module_path(dotted: str) -> Path | None:
    parts = dotted.split(".")
    if parts[0] != "streams":
        return None
    base = STREAMS_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _package_of(path: Path) -> str:
    return ".".join(("streams", *path.parent.relative_to(STREAMS_ROOT).parts))


def _imports(source: str, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{anchor}.{node.module}" if node.module else anchor
            else:
                module = node.module or ""
            names.add(module)
            # ``from streams.sim import prng`` imports a module, not a name.
            names.update(f"{module}.{alias.name}" for alias in node.names if _module_path(f"{module}.{alias.name}"))
    return names


def _closure(start: Path) -> dict[Path, set[str]]:
    """Every ``streams`` module reachable from ``start``, with its imports."""
    seen: dict[Path, set[str]] = {}
    pending = [start]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen[path] = _imports(path.read_text(), _package_of(path))
        pending.extend(p for p in map(_module_path, seen[path]) if p is not None)
    return seen


@pytest.mark.parametrize("module", SIM_MODULES, ids=lambda path: path.stem)
def test_imports_nothing_impure(module: Path) -> None:
    for path, imports in _closure(module).items():
        impure = {name for name in imports if name.split(".")[0] in FORBIDDEN}
        assert not impure, f"{path.relative_to(STREAMS_ROOT)} imports {sorted(impure)}"


@pytest.mark.parametrize("module", SIM_MODULES, ids=lambda path: path.stem)
def test_uses_no_floats(module: Path) -> None:
    for node in ast.walk(ast.parse(module.read_text())):
        assert not (isinstance(node, ast.Constant) and isinstance(node.value, float)), (
            f"float literal line {node.lineno}"
        )
        assert not isinstance(node, ast.Div), f"true division line {node.lineno}"
        assert not (isinstance(node, ast.Name) and node.id == "float"), f"float() line {node.lineno}"


def test_the_checker_sees_impure_and_relative_imports() -> None:
    # Guards the guard: a checker that parsed nothing would pass every module.
    source = "from os import path\nimport time as clock\nfrom . import prng\nfrom .engine import Step\n"
    assert _imports(source, "streams.sim") >= {"os", "time", "streams.sim.prng", "streams.sim.engine"}
    flappy = STREAMS_ROOT / "sim" / "flappy.py"
    assert {STREAMS_ROOT / "sim" / name for name in ("prng.py", "base.py", "engine.py")} <= set(_closure(flappy))
