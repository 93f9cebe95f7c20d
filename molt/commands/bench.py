"""``molt bench <name>``: benchmarks that print a table and write JSON with --json."""

from __future__ import annotations

import argparse
import importlib

# name -> module exposing add_arguments(parser) and run(args) -> int
BENCHMARKS = {
    "sim": "molt.commands.bench_sim",
    "runtime": "molt.commands.bench_runtime",
    "replay": "molt.commands.bench_replay",
    "edge": "molt.commands.bench_edge",
    "peers": "molt.commands.bench_peers",
    "units": "molt.commands.bench_units",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark")
    names = parser.add_subparsers(dest="benchmark", required=True)
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        sub = names.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(sub)
        sub.set_defaults(func=module.run)
