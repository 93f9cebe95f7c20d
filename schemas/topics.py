"""The topics of the product, what each holds, and how each is configured.

Every session topic is keyed by sessionId and has the same partition count, so a
session's commands, frames and results share a partition number (co-partitioned).
The seat reply topic is keyed by requestId; identity.agents is compacted by agentId;
identity.nonce-claims is keyed by nonce, so every claim of one nonce has one order.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopicSpec:
    name: str
    value_schema: str
    config: dict[str, str] = field(default_factory=dict)


COMPACTED = {"cleanup.policy": "compact"}
# Commands, results and outcomes are the product's history: analysts replay them.
KEEP_FOREVER = {"retention.ms": "-1"}
# Frames are a live broadcast derived from the commands; a day is plenty.
ONE_DAY = {"retention.ms": str(24 * 3600 * 1000)}

SESSION_COMMANDS = TopicSpec("session.commands", "SessionCommand", KEEP_FOREVER)
SESSION_FRAMES = TopicSpec("session.frames", "FrameBatch", ONE_DAY)
# Frames are most of what the worker writes, and session.frames keeps a day of them.
# Snappy shrinks a FrameBatch several times for little of the producer's CPU (readers
# even spend less); zstd shrinks more but costs the producer several times as much, and
# aiokafka's lz4 (level 9) more still. Producers of frames set it (aiokafka's
# ``compression_type``); readers need nothing, aiokafka decompresses.
FRAMES_COMPRESSION = "snappy"
SESSION_RESULTS = TopicSpec("session.results", "RunResult", KEEP_FOREVER)
SEAT_REPLIES = TopicSpec("session.seat-replies", "SeatDecision", ONE_DAY)
# The SnapshotTriggered records of session.commands, forwarded as they are (same bytes,
# same key and partition) by the partition's owner, so that the rewards pipeline reads
# a handful of records rather than every input and tick of the log.
SNAPSHOT_TRIGGERS = TopicSpec("session.snapshot-triggers", "SessionCommand", KEEP_FOREVER)
REWARDS_OUTCOMES = TopicSpec("rewards.outcomes", "RunOutcome", KEEP_FOREVER)
IDENTITY_AGENTS = TopicSpec("identity.agents", "AgentRegistered", COMPACTED)
# Claims matter while their nonce can be used: at most an hour (EdgeSettings.nonce_ttl_s).
NONCE_CLAIMS = TopicSpec("identity.nonce-claims", "NonceClaimed", ONE_DAY)

ALL_TOPICS = (
    SESSION_COMMANDS,
    SESSION_FRAMES,
    SESSION_RESULTS,
    SNAPSHOT_TRIGGERS,
    SEAT_REPLIES,
    REWARDS_OUTCOMES,
    IDENTITY_AGENTS,
    NONCE_CLAIMS,
)


# The worker's Faust tables. Faust names a table's changelog "<app id>-<table>-changelog";
# the edge reads the views' changelogs (sessions, spectators, leaderboard), the runtime
# recovers from the checkpoints', the rewards pipeline from its own.
SESSIONS_VIEW = "sessions"
SPECTATORS_VIEW = "spectators"
SESSION_STATE_TABLE = "session_state"
CHECKPOINTS_TABLE = "partition_checkpoints"
REWARDS_TABLE = "rewards"
LEADERBOARD_VIEW = "leaderboard"
TABLE_SCHEMAS = {
    SESSIONS_VIEW: "SessionView",
    SPECTATORS_VIEW: "SpectatorCount",
    SESSION_STATE_TABLE: "SessionState",
    CHECKPOINTS_TABLE: "PartitionCheckpoint",
    REWARDS_TABLE: "RewardsEntry",
    LEADERBOARD_VIEW: "LeaderboardShard",
}


def view_topic(app_id: str, table: str) -> TopicSpec:
    return TopicSpec(f"{app_id}-{table}-changelog", TABLE_SCHEMAS[table], COMPACTED)


def table_turns_topic(app_id: str) -> TopicSpec:
    """The workers' own topic: the Faust agent on it gives the partition's owner both the
    partition (group assignment, co-partitioned with the tables) and the event context in
    which Faust lets it write the tables. Nobody replays it; an hour is plenty."""
    return TopicSpec(f"{app_id}-table-turns", "TableTurn", {"retention.ms": str(3600 * 1000)})


def all_topics(app_id: str) -> tuple[TopicSpec, ...]:
    tables = tuple(view_topic(app_id, table) for table in TABLE_SCHEMAS)
    return ALL_TOPICS + tables + (table_turns_topic(app_id),)
