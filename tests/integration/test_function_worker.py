"""The local function worker against the Pub/Sub emulator: a failed message comes back after the
retry policy's backoff (which the emulator ignores on a plain nack), a good one is acked once."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from google.cloud import pubsub_v1

from local.function_worker import Worker, retry_backoff
from shared.topics import FUNCTION_SUBSCRIPTIONS, RETRY_MAX_BACKOFF_SECONDS

pytestmark = pytest.mark.integration
MONITOR = next(s for s in FUNCTION_SUBSCRIPTIONS if s.function == "monitor")


def test_backoff_doubles_from_the_minimum_to_the_maximum() -> None:
    assert [retry_backoff(n) for n in (None, 1, 2, 3, 4)] == [1, 1, 2, 4, 8]
    assert retry_backoff(30) == RETRY_MAX_BACKOFF_SECONDS


def test_a_failed_message_is_retried_after_the_backoff_not_at_once(topics_ready: str) -> None:
    deliveries: list[float] = []
    done = threading.Event()

    def handler(event: Any) -> None:
        deliveries.append(time.monotonic())
        if len(deliveries) < 3:
            raise RuntimeError("not yet")
        done.set()

    subscriber = pubsub_v1.SubscriberClient()
    worker = Worker(subscriber, subscriber.subscription_path(topics_ready, MONITOR.name), handler)
    stop = threading.Event()
    threading.Thread(target=worker.pull_until, args=(stop,), daemon=True).start()
    publisher = pubsub_v1.PublisherClient()
    publisher.publish(publisher.topic_path(topics_ready, MONITOR.topic), b"{}").result()
    try:
        assert done.wait(30), f"delivered {len(deliveries)} times"
    finally:
        stop.set()
    gaps = [b - a for a, b in itertools.pairwise(deliveries)]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9, gaps  # 1 s, then 2 s: the retry policy
    time.sleep(1.5)
    assert len(deliveries) == 3  # acknowledged: not delivered again
