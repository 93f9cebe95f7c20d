"""How many bytes each topic holds on a broker's disk: its records as Kafka stores them.

A partition's log is the ``*.log`` segment files of its directory ``<topic>-<partition>``
under the broker's data directory; their sizes are the record batches as written
(compressed when the producer compressed them, batch headers included), one replica's
worth. Index files are left out: Kafka preallocates them. Only a broker whose data
directory is on this machine (a scratch one) can be measured so.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def topic_bytes(data_dir: Path) -> Counter[str]:
    """Bytes of every topic's log segments under ``data_dir``, by topic name."""
    sizes: Counter[str] = Counter()
    for segment in data_dir.glob("*-*/*.log"):
        topic, _, partition = segment.parent.name.rpartition("-")
        if partition.isdigit():
            try:
                sizes[topic] += segment.stat().st_size
            except FileNotFoundError:
                continue  # a segment deleted by retention while we looked
    return sizes
