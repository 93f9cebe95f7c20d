"""The ``molt`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and
sets ``func`` to a callable taking the parsed namespace and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, in the order ``molt --help`` lists them.
SUBCOMMAND_MODULES = (
    "molt.commands.kafka",
    "molt.commands.topics",
    "molt.commands.worker",
    "molt.commands.edge",
    "molt.commands.up",
    "molt.commands.bots",
    "molt.commands.test",
    "molt.commands.bench",
    "molt.commands.replay",
    "molt.commands.export",
    "molt.commands.schemas",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="molt", description="MoltStation Live")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
