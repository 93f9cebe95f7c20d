"""Shards built around cached entry encodings are the codec's bytes, byte for byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas.codec import Codec
from schemas.leaderboard import SHARD_SIZE
from streams.leaderboard.shardbytes import ShardWriter

CODEC = Codec()

entries = st.builds(
    lambda sid, player, name, score, ended: {
        "sessionId": sid, "playerId": player, "playerName": name, "score": score, "endedAtMs": ended,
    },
    st.text(max_size=30),
    st.text(max_size=12),
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**63), 2**63 - 1),
)  # fmt: skip
shards = st.lists(entries, max_size=SHARD_SIZE, unique_by=lambda e: e["sessionId"])


def codec_bytes(game: str, partition: int, shard: list[dict]) -> bytes:
    return CODEC.encode("LeaderboardShard", {"game": game, "partition": partition, "entries": shard})


@given(st.text(max_size=20), st.integers(-(2**31), 2**31 - 1), st.lists(shards, min_size=1, max_size=4))
def test_a_shard_rewritten_again_and_again_is_the_codecs_encoding(game: str, partition: int, versions: list) -> None:
    # Successive versions of one shard key: entries kept, dropped, added and changed.
    writer = ShardWriter(CODEC)
    for shard in versions:
        assert writer.encode("g/0", game, partition, shard) == codec_bytes(game, partition, shard)


def test_an_entry_that_changed_under_its_session_id_is_encoded_afresh() -> None:
    writer = ShardWriter(CODEC)
    first = [{"sessionId": "s1", "playerId": "p", "playerName": "n", "score": 5, "endedAtMs": 1}]
    changed = [first[0] | {"score": 6}]
    writer.encode("g/0", "g", 0, first)
    assert writer.encode("g/0", "g", 0, changed) == codec_bytes("g", 0, changed)
    assert CODEC.decode("LeaderboardShard", writer.encode("g/0", "g", 0, changed))["entries"] == changed
