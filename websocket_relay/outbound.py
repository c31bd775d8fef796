"""Receives ``session-outbound`` events through this instance's own subscription.

One subscription per relay instance, filtered by ``attributes.relay_id`` in production and
expiring when the instance is gone; its settings are ``shared.topics.RELAY_SUBSCRIPTION``.
The emulator ignores filters, so events for sessions this instance does not hold are dropped
here too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from google.api_core import exceptions as gexc
from google.cloud import pubsub_v1  # type: ignore[attr-defined]
from google.pubsub_v1.types import ExpirationPolicy, Subscription
from pydantic import ValidationError

from shared.contracts import SessionOutbound
from shared.topics import RELAY_SUBSCRIPTION

log = logging.getLogger(__name__)


class OutboundTarget(Protocol):
    def deliver(self, outbound: SessionOutbound) -> None: ...


class OutboundRouter:
    def __init__(self, project_id: str, relay_id: str, ttl_days: int = 1):
        self.project_id = project_id
        self.relay_id = relay_id
        self.ttl_days = RELAY_SUBSCRIPTION.ttl_days(ttl_days)
        self.targets: dict[str, OutboundTarget] = {}
        self.subscriber = pubsub_v1.SubscriberClient()
        self.subscription_path = self.subscriber.subscription_path(
            project_id, RELAY_SUBSCRIPTION.name(relay_id)
        )
        self._future: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def register(self, session_id: str, target: OutboundTarget) -> None:
        self.targets[session_id] = target

    def unregister(self, session_id: str) -> None:
        self.targets.pop(session_id, None)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        facts = RELAY_SUBSCRIPTION
        request = Subscription(
            name=self.subscription_path,
            topic=self.subscriber.topic_path(self.project_id, facts.topic),
            filter=facts.filter(self.relay_id),
            ack_deadline_seconds=facts.ack_deadline_seconds,
            expiration_policy=ExpirationPolicy(ttl=timedelta(days=self.ttl_days)),
            enable_message_ordering=facts.message_ordering,
        )
        try:
            self.subscriber.create_subscription(request=request)
        except gexc.AlreadyExists:
            pass
        self._future = self.subscriber.subscribe(
            self.subscription_path,
            callback=self._on_message,
            flow_control=pubsub_v1.types.FlowControl(
                max_messages=RELAY_SUBSCRIPTION.flow_control_max_messages
            ),
        )
        log.info("outbound subscription open", extra={"subscription": self.subscription_path})

    def _on_message(self, message: Any) -> None:
        # Runs on a Pub/Sub client thread: hand the event to the event loop, then ack.
        try:
            outbound = SessionOutbound.model_validate_json(message.data)
        except ValidationError as exc:
            log.error("unreadable outbound event dropped", extra={"error": str(exc)[:300]})
            message.ack()
            return
        if outbound.relay_id == self.relay_id and outbound.session_id in self.targets:
            assert self._loop is not None
            self._loop.call_soon_threadsafe(self._deliver, outbound)
        message.ack()

    def _deliver(self, outbound: SessionOutbound) -> None:
        target = self.targets.get(outbound.session_id)
        if target is not None:
            target.deliver(outbound)

    def stop(self, delete: bool = True) -> None:
        if self._future is not None:
            self._future.cancel()
            try:
                self._future.result(timeout=5)
            except Exception:  # noqa: S110 - cancelled streams raise on result(); expected
                pass
        if delete:
            try:
                self.subscriber.delete_subscription(subscription=self.subscription_path)
            except gexc.GoogleAPICallError as exc:
                log.warning("could not delete outbound subscription", extra={"error": str(exc)})
        self.subscriber.close()


OnClose = Callable[[], None]
