"""A separate process that fires seat requests at one session as fast as it can.

``python -m tests.seat_storm BOOTSTRAP SESSION_ID PREFIX COUNT`` produces COUNT
SeatRequested records (request ids PREFIX-0 …) without waiting between them, then
waits for every acknowledgement and prints "sent COUNT".
"""

from __future__ import annotations

import asyncio
import sys

from molt.bench.writer import CommandWriter
from schemas.records import SeatRequested


async def storm(bootstrap: str, session_id: str, prefix: str, count: int) -> None:
    async with CommandWriter(bootstrap, producer_id=f"storm-{prefix}") as writer:
        await asyncio.gather(
            *(
                writer.send(session_id, SeatRequested(f"{prefix}-{i}", f"viewer-{prefix}-{i}", "public"))
                for i in range(count)
            )
        )
    print(f"sent {count}")


if __name__ == "__main__":
    bootstrap, session_id, prefix, count = sys.argv[1:]
    asyncio.run(storm(bootstrap, session_id, prefix, int(count)))
