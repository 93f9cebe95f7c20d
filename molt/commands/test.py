"""``molt test``: the whole test suite, as CI runs it.

First the static checks (ruff's linter and formatter over the whole tree), then pytest.
pytest's exit code 5 (no test collected) is turned into a failure: a suite that ran
nothing has proven nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

NO_TESTS_COLLECTED = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("test", help="run the whole test suite")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    parser.set_defaults(func=run)


# Each check runs from the repository's root on the whole tree; the first that fails stops the run.
STATIC_CHECKS = (
    ("ruff", "check", "."),
    ("ruff", "format", "--check", "."),
    ("mypy",),  # its files and strictness are in pyproject.toml
)
ROOT = Path(__file__).resolve().parents[2]


def static_checks() -> int:
    """Run the static checks with this interpreter's tools; the first failing exit code, or 0."""
    for tool, *arguments in STATIC_CHECKS:
        code = subprocess.call([sys.executable, "-m", tool, *arguments], cwd=ROOT)
        if code:
            print(f"molt test: {tool} {' '.join(arguments)} failed (exit {code})")
            return code
    return 0


def run(args: argparse.Namespace) -> int:
    import pytest

    if code := static_checks():
        return code

    code = pytest.main(["-p", "no:cacheprovider", *args.pytest_args])
    if code == NO_TESTS_COLLECTED:
        print("molt test: no test ran; that is a failure")
        return 1
    return int(code)
