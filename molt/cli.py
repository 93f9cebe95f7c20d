"""The ``molt`` command: one entry point, one module per subcommand.

Each subcommand module exposes ``register(subparsers)``, which adds its parser and
sets ``func`` to a callable taking the parsed namespace and returning an exit code.
A known failure (``molt.errors``) ends the command with one line on stderr and its
documented exit code; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from molt.errors import EPILOG, as_cli_error

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
    parser = argparse.ArgumentParser(
        prog="molt",
        description="MoltStation Live",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    command = "molt"
    try:
        # Building the parser reads settings too (some defaults come from them).
        args = build_parser().parse_args(argv)
        command = f"molt {args.command}"
        return int(args.func(args) or 0)
    except (Exception, KeyboardInterrupt) as error:
        failure = as_cli_error(error)
        if failure is None:
            raise
        print(f"{command}: error {failure.name}: {failure}", file=sys.stderr)
        return failure.exit_code


if __name__ == "__main__":
    sys.exit(main())
