"""Registers an agent that must not miss a record: its catch-up follows the rebalances, its acks wait for durability.

The two go together (see ``streams.gaps``): a catch-up that is not connected owns no
partition and so drops every event, and acks that do not wait let Faust commit past a
lost table write.
"""

from __future__ import annotations

import faust

from streams.gaps.acks import DurableAcks, Handler
from streams.gaps.catchup import CatchUp


def install(app: faust.App, channel: faust.ChannelT, name: str, handle: Handler, catch_up: CatchUp) -> None:
    """Agent ``name`` on ``channel``: ``handle`` gets each event once ``catch_up`` read its partition."""
    catch_up.connect()
    acks = DurableAcks(app, name)

    @app.agent(channel, name=name)
    async def agent(stream: faust.StreamT) -> None:
        await acks.consume(stream, handle)
