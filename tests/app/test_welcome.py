"""A socket welcomed to a run that ended while it was being seated is told the end at once,
not left waiting for frames that will never come (the end went to the watchers before it
joined them)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from app.tickindex import TickIndex
from app.ws import messages as m
from app.ws.endpoint import SocketSession
from app.ws.fanout import Fanout
from tests.app.test_fanout import CODEC, RESULT, view


class Views:
    def __init__(self, **views: object) -> None:
        self.views = views

    def get(self, key: str) -> object:
        return self.views.get(key)


def a_session(fanout: Fanout, sessions: Views, role: str) -> SocketSession:
    state = SimpleNamespace(
        bus=SimpleNamespace(sessions=sessions, spectators=Views()),
        fanout=fanout,
        sockets=None,
        settings=SimpleNamespace(spectator_backlog_bytes=1 << 20),
        metrics=SimpleNamespace(sockets_cut_off=SimpleNamespace(inc=lambda: None)),
    )
    ws = SimpleNamespace(app=SimpleNamespace(state=state), scope={})
    return SocketSession(ws, "flappy-bots", "ses_a", role)  # type: ignore[arg-type]


async def test_a_spectator_seated_as_its_run_ended_gets_the_end_and_is_closed() -> None:
    fanout = Fanout(CODEC, TickIndex())
    seated_on = view("waiting")  # what the socket was admitted on, before the end
    fanout.on_session_view("ses_a", view("ended"))
    session = a_session(fanout, Views(ses_a=view("ended")), "spectate")
    await session.welcome(seated_on)
    sent = [json.loads(text) for text in session.outbox.drain()]
    assert [message["t"] for message in sent] == ["welcome", "end"]
    assert sent[1]["result"] == RESULT
    assert session.outbox.close_code == m.Close.NORMAL
    assert fanout.watchers("ses_a") == 0, "nobody is left watching a run that ended"


async def test_a_socket_welcomed_before_the_end_is_told_it_by_the_fanout_once() -> None:
    fanout = Fanout(CODEC, TickIndex())
    session = a_session(fanout, Views(ses_a=view("waiting")), "play")
    await session.welcome(view("waiting"))
    fanout.on_session_view("ses_a", view("ended"))
    sent = [json.loads(text) for text in session.outbox.drain()]
    assert [message["t"] for message in sent] == ["welcome", "end"]
    assert session.outbox.close_code is None, "a player's socket stays open after the end"
