"""The runtime's own producers on the real broker: frames go out compressed and come back
byte for byte to a plain consumer (the codec installed here, the broker able to read it)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.codec import Codec
from schemas.framebatch import FrameBatchWriter
from schemas.topics import FRAMES_COMPRESSION
from streams.sessions.direct import DirectTopic
from tests.commands import fresh_topic

pytestmark = pytest.mark.integration

TIMEOUT_MS = 30_000


def a_frame_batch(frames: int) -> bytes:
    frame_json = '{"game":"flappy-bots","tick":%d,"bird":{"x":80000,"y":256000},"pipes":[]}'
    return FrameBatchWriter(Codec()).encode(
        3, 123, 4_100_000,
        [
            {"sessionId": f"s{n}", "engineVersion": 1, "seq": n, "lastInputSeq": 0, "stateHash": "",
             "frameJson": frame_json % n}
            for n in range(frames)
        ],
    )  # fmt: skip


async def test_frames_sent_compressed_read_back_unchanged(kafka_bootstrap: str) -> None:
    assert FRAMES_COMPRESSION is not None
    topic = await fresh_topic(kafka_bootstrap, "direct", 1)
    sent = [a_frame_batch(125), a_frame_batch(1)]
    direct = DirectTopic(kafka_bootstrap, topic, compression=FRAMES_COMPRESSION)
    await direct.start()
    try:
        deliveries = [await direct.send(value=value, partition=0) for value in sent]
        offsets = [(await delivery).offset for delivery in deliveries]
    finally:
        await direct.stop()
    assert offsets == [0, 1]

    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        read: list[bytes] = []
        while len(read) < len(sent):
            batch = await consumer.getmany(tp, timeout_ms=TIMEOUT_MS)
            assert batch, "the compressed frames never came back"
            read += [record.value for record in batch[tp]]
    finally:
        await consumer.stop()
    assert read == sent
    assert (
        Codec().decode("FrameBatch", read[0])["frames"][124]["frameJson"].startswith('{"game":"flappy-bots","tick":124')
    )
