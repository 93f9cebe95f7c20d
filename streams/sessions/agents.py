"""The Faust shell around the session fold: read state, fold, write tables, send.

``install`` registers the tables and agents on an app built by ``create_app``.
"""

from __future__ import annotations

import logging

import faust

from molt.settings import TopicSettings
from schemas.codec import Codec, CodecError
from schemas.records import SessionOpened, decode_command
from schemas.topics import SESSIONS_VIEW
from streams.sessions.views import opened_view

log = logging.getLogger(__name__)




def install(app: faust.App, commands: faust.TopicT, topics: TopicSettings) -> None:
    codec = Codec()
    sessions = app.Table(
        SESSIONS_VIEW,
        key_type=bytes,
        value_type=bytes,
        partitions=topics.partitions,
    )

    @app.agent(commands)
    async def fold_commands(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                command = decode_command(codec, event.value)
            except CodecError as exc:
                # A record we cannot read is reported and skipped: stopping here would
                # stall every session of the partition behind one bad record.
                log.error("skipping unreadable command at %s: %s", event.message.tp, exc)
                continue
            match command.body:
                case SessionOpened() as opened:
                    key = command.sessionId.encode()
                    if sessions.get(key) is None:
                        sessions[key] = codec.encode("SessionView", opened_view(command, opened))
