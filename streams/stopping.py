"""A worker that ends within a deadline once asked to stop, whatever Kafka does.

Faust's graceful stop commits offsets and flushes its producer, waiting on the broker
for both without a bound: with the broker away, a worker took minutes to stop. Once a
stop begins (a signal, or a crash), a timer thread ends the process at
``stop_timeout_s`` if it is still running. That is safe: processing is at-least-once
with idempotent handlers, so what was not committed is read again by the next owner,
as after a ``kill -9``; the clock process sees its pipe close and stops too.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import faust

log = logging.getLogger(__name__)

# The exit status of a stop that had to be cut short.
CUT_SHORT_EXIT = 1


class BoundedStopWorker(faust.Worker):
    def __init__(self, app: faust.App, *, stop_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.stop_timeout_s = stop_timeout_s

    async def on_stop(self) -> None:
        deadline = threading.Timer(self.stop_timeout_s, self._cut_short)
        deadline.daemon = True  # a stop that completes in time exits without waiting for it
        deadline.start()
        await super().on_stop()

    def _cut_short(self) -> None:
        log.error(
            "the worker did not stop within %.0f s (Kafka unreachable?); exiting now: what it had "
            "not committed is read again by the partitions' next owner",
            self.stop_timeout_s,
        )
        logging.shutdown()
        os._exit(CUT_SHORT_EXIT)
