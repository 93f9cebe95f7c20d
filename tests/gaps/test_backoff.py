"""Faust's own Kafka clients retry at most twice a second, as every client built through
``infra.kafkaclients`` does (without a broker: the clients are built, not started)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from infra.kafkaclients import RETRY_BACKOFF_MS
from infra.settings import KafkaSettings, TopicSettings, WorkerSettings
from streams.app import create_app


async def test_fausts_consumer_and_producer_back_off_as_ours_do(tmp_path: Path) -> None:
    app = create_app(WorkerSettings(data_dir=tmp_path), KafkaSettings(), TopicSettings())
    consumer = app.consumer._thread._create_consumer(asyncio.get_running_loop())  # type: ignore[attr-defined]
    producer = app.producer._new_producer()  # type: ignore[attr-defined]
    try:
        assert consumer._retry_backoff_ms == RETRY_BACKOFF_MS
        assert consumer._client._retry_backoff == RETRY_BACKOFF_MS / 1000
        assert producer._sender._retry_backoff == RETRY_BACKOFF_MS / 1000
    finally:
        await consumer.stop()
        await producer.stop()
