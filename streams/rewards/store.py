"""The rewards table's entries, to and from Avro: runs by sessionId, marks by partition.

Both kinds live in one table on purpose: a table write goes to the changelog partition
of the current event, so a partition's runs and its mark share one changelog partition,
and a mark is never durable before the run writes that precede it.
"""

from __future__ import annotations

from schemas.codec import NAMESPACE, Codec
from streams.rewards.ledger import Run

RUN = f"{NAMESPACE}.RewardRun"
MARK = f"{NAMESPACE}.OutcomesMark"


def run_key(session_id: str) -> bytes:
    return session_id.encode()


def mark_key(partition: int) -> bytes:
    # NUL never starts a session id the edge issues, so marks and runs cannot collide.
    return b"\x00outcomes-mark/%d" % partition


def encode_run(codec: Codec, run: Run) -> bytes:
    datum = {
        "sessionId": run.session_id,
        "result": run.result,
        "triggerRequestId": run.trigger_id,
        "outcomeOffset": run.outcome_offset,
    }
    return codec.encode("RewardsEntry", {"body": (RUN, datum)})


def decode_run(codec: Codec, session_id: str, data: bytes | None) -> Run:
    if data is None:
        return Run(session_id)
    _, datum = codec.decode("RewardsEntry", data)["body"]
    return Run(session_id, datum["result"], datum["triggerRequestId"], datum["outcomeOffset"])


def encode_mark(codec: Codec, partition: int, offset: int) -> bytes:
    return codec.encode("RewardsEntry", {"body": (MARK, {"partition": partition, "offset": offset})})


def decode_mark(codec: Codec, data: bytes | None) -> int:
    """The partition's mark: every outcome below it is recorded in the table (0: none)."""
    if data is None:
        return 0
    return codec.decode("RewardsEntry", data)["body"][1]["offset"]
