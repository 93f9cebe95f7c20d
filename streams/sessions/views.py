"""Builders of the view records the edge serves (Avro ``SessionView`` datums).

Pure functions: a view is derived from a session's fold state, never edited in place
by anything else, so the worker is its only writer.
"""

from __future__ import annotations

from schemas.records import SessionCommand, SessionOpened


def opened_view(command: SessionCommand, opened: SessionOpened) -> dict:
    return {
        "sessionId": command.sessionId,
        "engineVersion": command.engineVersion,
        "seq": 0,
        "game": opened.game,
        "mode": opened.mode,
        "status": "waiting",
        "playerId": opened.playerId,
        "playerName": opened.playerName,
        "createdAtMs": command.atMs,
        "startedAtMs": None,
        "tick": 0,
        "score": 0,
        "spectatorsCurrent": 0,
        "spectatorsMax": opened.spectatorsMax,
        "result": None,
    }
