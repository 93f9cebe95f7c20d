"""A process's resident memory and the bytes it has written, read from ``/proc/<pid>``.

Written bytes are ``wchar`` of ``/proc/<pid>/io``: everything the process handed to
write(2) and its kin, sockets included (libuv, under uvloop and Node alike, writes to
TCP sockets with write and writev). A server's count over a window is what it put on
the wire, WebSocket framing included, before TCP/IP headers.
"""

from __future__ import annotations

from pathlib import Path


def rss_bytes(pid: int) -> int:
    """The process's resident set size now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no VmRSS in /proc/{pid}/status")


def written_bytes(pid: int) -> int:
    """Bytes the process has written so far (``wchar``)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise ValueError(f"no wchar in /proc/{pid}/io")
