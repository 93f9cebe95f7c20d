"""Faust's Kafka clients retry at most twice a second, as every other client does.

Faust builds its aiokafka consumer and producer without ``retry_backoff_ms``, so
aiokafka's 100 ms applies: with the broker gone, the consumer's fetcher and group
coordinator and the producer's sender each retried ten times a second, and the worker
used more than a tenth of a core on it (tests/test_outages.py). ``install`` gives the
app a transport whose clients wait ``infra.kafkaclients.RETRY_BACKOFF_MS`` instead.
Call it right after building the app: the transport is made on first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiokafka
import faust
from faust.transport.drivers import aiokafka as driver

from infra.kafkaclients import RETRY_BACKOFF_MS


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_consumer(self, loop: asyncio.AbstractEventLoop) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_consumer(loop)
        # Faust passes no retry_backoff_ms; the consumer reads it when it starts (its
        # fetcher and coordinator), its client on every retry: both set before start.
        consumer._retry_backoff_ms = RETRY_BACKOFF_MS
        consumer._client._retry_backoff = RETRY_BACKOFF_MS / 1000
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Producer(driver.Producer):
    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "retry_backoff_ms": RETRY_BACKOFF_MS}


class _Transport(driver.Transport):
    Consumer = _Consumer
    Producer = _Producer


def install(app: faust.App) -> None:
    app.transport = _Transport(app.conf.broker_consumer, app)
    app.producer_transport = _Transport(app.conf.broker_producer, app)
