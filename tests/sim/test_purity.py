"""The simulation core stays pure: no impure imports and no float arithmetic, checked on
the source of every module in ``streams.sim``, Python and Cython alike, and of every
``streams`` module they import.

The Cython twins of the rules (``*.pyx``, ``*.pxd``) are read by ``cython_source``: they
may cimport only whitelisted C and CPython names and the core's own ``.pxd``, include
only ``Python.h``, call no clock, randomness or I/O, and hold no float, in their Cython
and in the C they paste in (``cdef extern from`` blocks).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import pytest

import streams
from tests.sim import cython_source
from tests.sim.cython_source import Token

STREAMS_ROOT = Path(streams.__file__).parent
SIM_MODULES = sorted((STREAMS_ROOT / "sim").glob("*.py"))
CYTHON_SOURCES = sorted([*(STREAMS_ROOT / "sim").glob("*.pyx"), *(STREAMS_ROOT / "sim").glob("*.pxd")])
FORBIDDEN = {"faust", "asyncio", "aiokafka", "time", "random", "os", "uuid", "datetime", "secrets"}

# What the twins may cimport besides the core's own .pxd: pure memory and int helpers.
CIMPORTABLE_MODULES = {"cython"}  # compiler directives
CIMPORTABLE_NAMES = {
    "libc.string": {"memcpy", "memmove", "memset", "memcmp", "strlen"},
    "libc.stdint": {"int32_t", "int64_t", "uint32_t", "uint64_t"},
    "libc.limits": {"INT_MAX", "INT_MIN", "LLONG_MAX", "LLONG_MIN", "ULLONG_MAX"},
    "cpython.long": {"PyLong_Check", "PyLong_CheckExact", "PyLong_FromLongLong", "PyLong_AsLongLong"},
    "cpython.ref": {"Py_INCREF", "Py_DECREF"},
    "cpython.tuple": {"PyTuple_New", "PyTuple_GET_ITEM", "PyTuple_SET_ITEM"},
}
HEADERS = {"Python.h"}
# Calls that read a clock, draw randomness, do I/O or import behind the import check's back.
IMPURE_CALLS = {
    *("time", "clock", "clock_gettime", "gettimeofday", "sleep", "usleep", "nanosleep"),
    *("rand", "rand_r", "srand", "random", "srandom", "drand48", "lrand48", "arc4random", "getrandom", "urandom"),
    *("printf", "fprintf", "puts", "fputs", "putchar", "fopen", "fclose", "fread", "fwrite", "fgets", "scanf"),
    *("getenv", "system", "print", "open", "input"),
    *("__import__", "import_module", "exec", "eval"),
    *("PyImport_Import", "PyImport_ImportModule", "PyImport_ImportModuleLevel", "PyImport_ImportModuleLevelObject"),
}
FLOAT_TYPES = {"float", "double", "complex", "floating", "_Complex"}


def _module_path(dotted: str) -> Path | None:
    parts = dotted.split(".")
    if parts[0] != "streams":
        return None
    base = STREAMS_ROOT.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py", base.with_suffix(".pxd")):
        if candidate.exists():
            return candidate
    return None


def _package_of(path: Path) -> str:
    return ".".join(("streams", *path.parent.relative_to(STREAMS_ROOT).parts))


def _absolute(level: int, module: str, package: str) -> str:
    if not level:
        return module
    anchor = package.rsplit(".", level - 1)[0] if level > 1 else package
    return f"{anchor}.{module}" if module else anchor


def _from_import(module: str, names: Iterable[str]) -> set[str]:
    # ``from streams.sim import prng`` imports a module, not a name.
    return {module, *(f"{module}.{name}" for name in names if _module_path(f"{module}.{name}"))}


def _imports(source: str, package: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node.level, node.module or "", package)
            names |= _from_import(module, (alias.name for alias in node.names))
    return names


def _cython_imports(source: str, package: str) -> set[str]:
    names = set()
    for statement in cython_source.statements(cython_source.tokens(source)):
        for found in cython_source.imports(statement):
            names |= _from_import(_absolute(found.level, found.module, package), found.names)
    return names


def _closure(start: Path) -> dict[Path, set[str]]:
    """Every ``streams`` module (and ``.pxd``) reachable from ``start``, with its imports."""
    seen: dict[Path, set[str]] = {}
    pending = [start]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        read = _imports if path.suffix == ".py" else _cython_imports
        seen[path] = read(path.read_text(), _package_of(path))
        pending.extend(p for p in map(_module_path, seen[path]) if p is not None)
    return seen


@pytest.mark.parametrize("module", SIM_MODULES + CYTHON_SOURCES, ids=lambda path: path.name)
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


def _is_float(number: str) -> bool:
    text = number.lower()
    if text.startswith("0x"):
        return "." in text or "p" in text
    return "." in text or "e" in text or "j" in text


def _code_problems(code: list[Token]) -> list[str]:
    """Floats and impure calls, in Cython or C tokens."""
    problems = []
    for token, following in pairwise([*code, None]):
        if token.kind == "name" and token.text in FLOAT_TYPES:
            problems.append(f"line {token.line}: float type {token.text}")
        elif token.kind == "number" and _is_float(token.text):
            problems.append(f"line {token.line}: float literal {token.text}")
        elif token.kind == "name" and token.text in IMPURE_CALLS and following and following.text == "(":
            problems.append(f"line {token.line}: calls {token.text}()")
        elif token.kind == "string" and following and following.text == "(":
            # A C name in quotes renames the function declared: ``int emit "printf"(...)``.
            if (c_name := cython_source.string_value(token.text)) in IMPURE_CALLS:
                problems.append(f"line {token.line}: declares {c_name}() under another name")
        elif token.kind == "include" and token.text not in HEADERS:
            problems.append(f"line {token.line}: includes {token.text}")
    return problems


def _cimport_problems(found: cython_source.Import, package: str) -> list[str]:
    module = _absolute(found.level, found.module, package)
    own = _module_path(module)
    if not found.cimport or (own is not None and own in CYTHON_SOURCES):
        return []
    if not found.names:
        return [] if module in CIMPORTABLE_MODULES else [f"line {found.line}: cimports {module}"]
    allowed = CIMPORTABLE_NAMES.get(module, set())
    return [f"line {found.line}: cimports {name} from {module}" for name in found.names if name not in allowed]


def cython_problems(source: str, package: str) -> list[str]:
    """What in a Cython source breaks the core's purity, as ``line N: what``."""
    code = cython_source.tokens(source)
    parts = cython_source.statements(code)
    problems = _code_problems(code)
    # Cython's / on C ints is true division: a double.
    problems += [f"line {t.line}: true division {t.text}" for t in code if t.kind == "op" and t.text in ("/", "/=")]
    for statement in parts:
        if statement[0].text == "include":
            problems.append(f"line {statement[0].line}: include (unchecked text; cimport a .pxd)")
        for found in cython_source.imports(statement):
            problems += _cimport_problems(found, package)
    for block in cython_source.extern_blocks(parts):
        if block.header not in ("*", *HEADERS):
            problems.append(f"line {block.line}: includes {block.header}")
        problems += _code_problems(block.c_code or [])
    return problems


@pytest.mark.parametrize("source", CYTHON_SOURCES, ids=lambda path: path.name)
def test_cython_twins_are_pure(source: Path) -> None:
    assert cython_problems(source.read_text(), _package_of(source)) == []


def test_the_checker_sees_impure_and_relative_imports() -> None:
    # Guards the guard: a checker that parsed nothing would pass every module.
    source = "from os import path\nimport time as clock\nfrom . import prng\nfrom .engine import Step\n"
    assert _imports(source, "streams.sim") >= {"os", "time", "streams.sim.prng", "streams.sim.engine"}
    flappy = STREAMS_ROOT / "sim" / "flappy.py"
    assert {STREAMS_ROOT / "sim" / name for name in ("prng.py", "base.py", "engine.py")} <= set(_closure(flappy))
    cython = "import time as clock, faust\nif x: from os import path\nfrom . import prng\ncimport libc.time\n"
    assert _cython_imports(cython, "streams.sim") >= {"time", "faust", "os", "streams.sim.prng", "libc.time"}
    steps = STREAMS_ROOT / "sim" / "steps.pyx"
    assert {STREAMS_ROOT / "sim" / name for name in ("speedramp.pxd", "engine.py")} <= set(_closure(steps))


# Guards the guard: each of these must be caught, with its line.
IMPURE_SOURCES = [
    ("from libc.time cimport time\n", "line 1: cimports time from libc.time"),
    ("from libc.string cimport (\n    memcpy,\n    strcpy,\n)\n", "line 1: cimports strcpy from libc.string"),
    ("cimport posix.time\n", "line 1: cimports posix.time"),
    ("from streams.sim.nowhere cimport speed\n", "line 1: cimports speed from streams.sim.nowhere"),
    ('cdef extern from "stdio.h":\n    int puts(const char*)\n', "line 1: includes stdio.h"),
    ('cdef extern from *:\n    """\n    #include <time.h>\n    """\n', "line 3: includes time.h"),
    (
        'cdef extern from *:\n    """\n    static long long seed(void) { return clock(); }\n    """\n',
        "line 3: calls clock()",
    ),
    (
        'cdef extern from *:\n    """\n    static long long half(long long x) { return x * 0.5; }\n    """\n',
        "line 3: float literal 0.5",
    ),
    ('cdef extern from *: "typedef double real;"\n', "line 1: float type double"),
    ("cdef long long roll = rand() % 6\n", "line 1: calls rand()"),
    ("def step(state):\n    print(state)\n", "line 2: calls print()"),
    ("cdef double speed\n", "line 1: float type double"),
    ("cdef long long x = <long long>(1 * 1.5)\n", "line 1: float literal 1.5"),
    ("x = 2e3\n", "line 1: float literal 2e3"),
    ("x = .5\n", "line 1: float literal .5"),
    ("x = 0x1p4\n", "line 1: float literal 0x1p4"),
    ("cdef long long half = total / 2\n", "line 1: true division /"),
    ("total /= 2\n", "line 1: true division /="),
    ('include "rules.pxi"\n', "line 1: include (unchecked text; cimport a .pxd)"),
    ("clock = __import__('ti' + 'me')\n", "line 1: calls __import__()"),
    ('cdef extern from *:\n    int emit "printf"(const char*)\n', "line 2: declares printf() under another name"),
    (
        'cdef extern from "Python.h":\n    object PyImport_ImportModule(const char*)\nclock = PyImport_ImportModule(b"time")\n',
        "line 3: calls PyImport_ImportModule()",
    ),
]


@pytest.mark.parametrize(("source", "problem"), IMPURE_SOURCES, ids=lambda value: value.splitlines()[0])
def test_the_cython_checker_catches(source: str, problem: str) -> None:
    assert problem in cython_problems(source, "streams.sim")


def test_the_cython_checker_passes_what_only_looks_impure() -> None:
    source = '''"""A docstring: 2.5 µs a step; time(), rand() and double are words here, 1 / 2."""
from libc.string cimport memcpy
from streams.sim.speedramp cimport speed_at as at
cimport cython
# A comment: double 1.5 time() /
cdef unsigned long long MIX = 0x9E3779B97F4A7C15ULL
cdef long long LIMIT = 1LL << 31, floor = -7 // 2
floor //= 2
ticks = runtime(state.e1)
text = b'"time": 1.5 / rand()'
cdef extern from *:
    """
    // A C comment: double 0.5 rand()
    /* and time(0) */
    static inline long long quarter(long long x) { return x / 4; }  /* C divides ints as ints */
    """
    long long quarter(long long x)
'''
    assert cython_problems(source, "streams.sim") == []
