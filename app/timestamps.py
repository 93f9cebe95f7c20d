"""Instants on the wire: ISO-8601 UTC text with a ``Z`` suffix, to the millisecond.

Inside the edge an instant is float seconds since the epoch (injectable in tests);
only its text form crosses the wire. ``parse_iso`` accepts exactly the shape ``iso``
writes (fractional digits optional), so a round trip is lossless to the millisecond.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


def iso(seconds: float) -> str:
    text = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> float | None:
    """Seconds since the epoch, or None when ``text`` is not an ``iso`` instant."""
    if not _ISO_Z.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:  # well-shaped but impossible, e.g. month 13
        return None
