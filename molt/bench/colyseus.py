"""The Colyseus peer: the Node.js project in ``peers/colyseus`` that runs Flappy Bots as a Colyseus room."""

from __future__ import annotations

from infra.settings import REPO_ROOT

PROJECT = REPO_ROOT / "peers" / "colyseus"
