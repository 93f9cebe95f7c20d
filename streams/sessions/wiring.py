"""The topics and tables a session runtime is wired to, as ``agents.install`` declares them.

Every part of the runtime keeps these two objects and reads the attribute it needs at
each use, never a copy taken when it was built: putting another topic or table in
place (a test's recorder) reaches every part at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import faust

from streams.sessions.direct import DirectTopic


@dataclass
class RuntimeTopics:
    commands: faust.TopicT
    frames: DirectTopic
    results: faust.TopicT
    seat_replies: DirectTopic
    triggers: faust.TopicT
    turns: faust.TopicT


@dataclass
class RuntimeTables:
    sessions: faust.types.TableT  # SessionView
    spectators: faust.types.TableT  # SpectatorCount
    state: faust.types.TableT  # SessionState
    checkpoints: faust.types.TableT  # PartitionCheckpoint
