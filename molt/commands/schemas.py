"""``molt schemas freeze``: keep earlier committed topic schemas readable."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schemas", help="maintain the Avro schemas")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("freeze", help="copy committed schema versions into schemas/history").set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    from molt.schema_history import freeze_committed

    written = freeze_committed()
    for path in written:
        print(f"kept {path.name}")
    print(f"{len(written)} schema version(s) added to history")
    return 0
