"""Session states to and from their Avro checkpoint form (``SessionState`` datums).

The engine state is stored in the engine's own canonical encoding, so a checkpoint
restores the exact state the fold had: folding on from it equals folding from scratch.
"""

from __future__ import annotations

from typing import Any

from streams.sessions.model import Policy, Seat, SessionState
from streams.sim.registry import ENGINES


def state_to_datum(state: SessionState) -> dict[str, Any]:
    engine = ENGINES[state.game]
    return {
        "sessionId": state.session_id,
        "engineVersion": state.engine_version,
        "seq": engine.tick_of(state.engine_state),
        "partition": state.partition,
        "game": state.game,
        "mode": state.mode,
        "seed": state.seed,
        "playerId": state.player_id,
        "playerName": state.player_name,
        "spectatorsMax": state.spectators_max,
        "graceMs": state.policy.grace_ms,
        "waitingExpiryMs": state.policy.waiting_expiry_ms,
        "seatClaimMs": state.policy.seat_claim_ms,
        "seatLeaseMs": state.policy.seat_lease_ms,
        "seatsPerClient": state.policy.seats_per_client,
        "seatsPerClientTotal": state.policy.seats_per_client_total,
        "createdAtMs": state.created_at_ms,
        "firstOffset": state.first_offset,
        "appliedOffset": state.applied_offset,
        "engineState": engine.encode_state(state.engine_state),
        "status": state.status,
        "startedAtMs": state.started_at_ms,
        "endedAtMs": state.ended_at_ms,
        "endOffset": state.end_offset,
        "pending": list(state.pending),
        "lastInputSeq": state.last_input_seq,
        "lastReceivedSeq": state.last_received_seq,
        "connectionId": state.connection_id,
        "disconnectedAtMs": state.disconnected_at_ms,
        "lastTickNo": state.last_tick_no,
        "producers": dict(state.producers),
        "seats": [
            {
                "leaseId": seat.lease_id,
                "viewerId": seat.viewer_id,
                "flow": seat.flow,
                "grantedAtMs": seat.granted_at_ms,
                "occupied": seat.occupied,
                "renewedAtMs": seat.renewed_at_ms,
                "clientKey": seat.client_key,
                "connectionId": seat.connection_id,
            }
            for seat in state.seats.values()
        ],
        "snapshotRequested": state.snapshot_requested,
    }


def state_from_datum(datum: dict[str, Any]) -> SessionState:
    engine = ENGINES[datum["game"]]
    seats = [
        Seat(
            s["leaseId"],
            s["viewerId"],
            s["flow"],
            s["grantedAtMs"],
            s["occupied"],
            s["renewedAtMs"],
            s["clientKey"],
            s["connectionId"],
        )
        for s in datum["seats"]
    ]
    return SessionState(
        session_id=datum["sessionId"],
        partition=datum["partition"],
        game=datum["game"],
        mode=datum["mode"],
        seed=datum["seed"],
        player_id=datum["playerId"],
        player_name=datum["playerName"],
        spectators_max=datum["spectatorsMax"],
        engine_version=datum["engineVersion"],
        policy=Policy(
            datum["graceMs"],
            datum["waitingExpiryMs"],
            datum["seatClaimMs"],
            datum["seatLeaseMs"],
            datum["seatsPerClient"],
            datum["seatsPerClientTotal"],
        ),
        created_at_ms=datum["createdAtMs"],
        first_offset=datum["firstOffset"],
        engine_state=engine.decode_state(datum["engineState"]),
        applied_offset=datum["appliedOffset"],
        status=datum["status"],
        started_at_ms=datum["startedAtMs"],
        ended_at_ms=datum["endedAtMs"],
        end_offset=datum["endOffset"],
        pending=list(datum["pending"]),
        last_input_seq=datum["lastInputSeq"],
        last_received_seq=datum["lastReceivedSeq"],
        connection_id=datum["connectionId"],
        disconnected_at_ms=datum["disconnectedAtMs"],
        last_tick_no=datum["lastTickNo"],
        producers=dict(datum["producers"]),
        seats={seat.lease_id: seat for seat in seats},
        snapshot_requested=datum["snapshotRequested"],
    )
