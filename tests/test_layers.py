"""The packages import one way: each layer only from the layers below it.

    core            streams.sim       the pure game rules (tests/sim/test_purity.py)
    records         schemas           Avro records, codecs, topics, shared view shapes
    infrastructure  infra             settings, Kafka readers and writers, run log, local broker
    services        streams, app      the worker and the edge: never each other
    tools           molt              the CLI, the SDK and the benches: nothing imports them

Read from every module's source (``import`` statements anywhere in the file, lazy ones
included), so an import against the direction fails here before it becomes a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Most specific prefix first: streams.sim is the core, the rest of streams is the worker.
LAYERS: list[tuple[str, int]] = [
    ("streams.sim", 0),
    ("schemas", 1),
    ("infra", 2),
    ("streams", 3),
    ("app", 3),
    ("molt", 4),
]
PACKAGES = sorted({prefix.split(".")[0] for prefix, _ in LAYERS})


def component(module: str) -> tuple[str, int] | None:
    """The (prefix, layer) a dotted module name belongs to, or None outside the project."""
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return prefix, layer
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str) -> set[str]:
    """The dotted names a module's source imports, relative imports resolved."""
    package = module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def violations(module: str, imported: set[str]) -> list[str]:
    """What ``module`` imports against the direction of the layers."""
    own = component(module)
    assert own is not None, module
    found = []
    for name in sorted(imported):
        other = component(name)
        if other is None or other[0] == own[0]:
            continue
        if other[1] > own[1] or (other[1] == own[1] and other[0] != own[0]):
            found.append(f"{module} ({own[0]}) imports {name} ({other[0]})")
    return found


def project_modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", project_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_imports_follow_the_layers(path: Path) -> None:
    module = module_name(path)
    assert not violations(module, imports(path.read_text(), module))


def test_the_top_level_packages_have_no_cycle() -> None:
    edges: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for path in project_modules():
        module = module_name(path)
        for name in imports(path.read_text(), module):
            top = name.split(".")[0]
            if top in edges and top != module.split(".")[0]:
                edges[module.split(".")[0]].add(top)
    order: list[str] = []
    while edges:
        leaves = [package for package, targets in edges.items() if not targets - set(order)]
        assert leaves, f"a cycle among {sorted(edges)}: {edges}"
        for package in sorted(leaves):
            order.append(package)
            del edges[package]
    assert order.index("molt") == len(order) - 1


def test_the_checker_sees_what_breaks_the_direction() -> None:
    # Guards the guard: each of these must be caught, and the allowed ones must not.
    assert violations("schemas.codec", {"infra.settings"})
    assert violations("infra.runlog", {"streams.sessions.verify"})
    assert violations("app.main", {"streams.sessions.runtime"})
    assert violations("streams.app", {"app.main"})
    assert violations("streams.sim.flappy", {"schemas.records"})
    assert violations("app.deps", {"molt.sdk"})
    assert not violations("app.deps", {"streams.sim.registry", "infra.settings", "schemas.records", "fastapi"})
    assert not violations("molt.cli", {"app.main", "streams.app"})
    lazy = "def f():\n    from molt import sdk\n"
    assert violations("streams.app", imports(lazy, "streams.app"))
    assert imports("from . import fold\n", "streams.sessions.runtime") >= {"streams.sessions.fold"}
