"""Run by ``test_wheel.py`` with the python of a fresh venv the wheel was installed into,
isolated (``-I``) and from outside the source tree, so every project module it imports
comes from the wheel. Reads a JSON request on stdin and answers JSON on stdout: where the
modules were imported from, a command encoded and decoded by the installed codec,
commands written under earlier schemas decoded, and the home page rendered.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys

from app.web import pages
from schemas.codec import Codec
from schemas.records import command_from_datum, command_to_datum, decode_command, encode_command


def main() -> None:
    request = json.load(sys.stdin)
    codec = Codec()
    encoded = encode_command(codec, command_from_datum(request["command"]))
    answer = {
        "files": {name: importlib.import_module(name).__file__ for name in request["modules"]},
        "encoded": encoded.hex(),
        "decoded": command_to_datum(decode_command(codec, encoded)),
        "earlier": [command_to_datum(decode_command(codec, bytes.fromhex(value))) for value in request["earlier"]],
        "home": asyncio.run(pages.home()).body.decode(),
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
