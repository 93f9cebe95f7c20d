"""``molt test``: the whole test suite, as CI runs it.

pytest's exit code 5 (no test collected) is turned into a failure: a suite that ran
nothing has proven nothing.
"""

from __future__ import annotations

import argparse

NO_TESTS_COLLECTED = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("test", help="run the whole test suite")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pytest

    code = pytest.main(["-p", "no:cacheprovider", *args.pytest_args])
    if code == NO_TESTS_COLLECTED:
        print("molt test: no test ran; that is a failure")
        return 1
    return int(code)
