"""Publishing contracts to Pub/Sub and decoding what Pub/Sub delivers back into contracts.

Delivery is at least once, so every consumer must be idempotent. A message that does not parse
is never retried (it would fail the same way): it goes to the topic's dead-letter topic with the
reason, and is acknowledged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from google.cloud import pubsub_v1  # type: ignore[attr-defined]
from google.cloud.pubsub_v1.types import BatchSettings, PublisherOptions
from pydantic import ValidationError

from shared.contracts import Contract
from shared.topics import dead_letter_topic
from shared.tracing import current_trace

log = logging.getLogger(__name__)
C = TypeVar("C", bound=Contract)

MAX_MESSAGE_BYTES = 9_000_000  # Pub/Sub's limit is 10 MB including attributes


class InvalidMessage(ValueError):
    """The delivered message is not a valid contract for its topic."""


@dataclass(frozen=True)
class InboundMessage:
    data: bytes
    attributes: Mapping[str, str] = field(default_factory=dict)
    message_id: str = ""
    subscription: str = ""
    delivery_attempt: int | None = None


def _decode_push_message(message: Mapping[str, Any], subscription: str) -> InboundMessage:
    raw = message.get("data", "")
    if not isinstance(raw, str):
        raise InvalidMessage("message.data must be a base64 string")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidMessage(f"message.data is not valid base64: {exc}") from exc
    attributes = message.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        raise InvalidMessage("message.attributes must be an object")
    return InboundMessage(
        data=data,
        attributes={str(k): str(v) for k, v in attributes.items()},
        message_id=str(message.get("messageId") or message.get("message_id") or ""),
        subscription=subscription,
    )


def decode_envelope(envelope: Any) -> InboundMessage:
    """Decode a Pub/Sub push envelope, or the CloudEvent a function receives, into a message."""
    data = getattr(envelope, "data", envelope)  # a CloudEvent object carries the envelope as .data
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidMessage(f"envelope is not JSON: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("message"), Mapping):
        raise InvalidMessage("envelope has no 'message' object")
    decoded = _decode_push_message(data["message"], str(data.get("subscription", "")))
    attempt = data.get("deliveryAttempt")
    if isinstance(attempt, int):
        decoded = InboundMessage(
            decoded.data, decoded.attributes, decoded.message_id, decoded.subscription, attempt
        )
    return decoded


def parse(model: type[C], inbound: InboundMessage) -> C:
    """Validate the message data against the topic's contract."""
    try:
        return model.model_validate_json(inbound.data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise InvalidMessage(f"not a valid {model.__name__}: {problems}") from exc


class Bus:
    """A thin publisher: contract in, message id out, with routing attributes and ordering."""

    def __init__(self, project_id: str, publisher: pubsub_v1.PublisherClient | None = None):
        self.project_id = project_id
        # One message per batch: a voice turn is latency-bound, not throughput-bound.
        self.publisher = publisher or pubsub_v1.PublisherClient(
            batch_settings=BatchSettings(max_messages=1, max_latency=0.0),
            publisher_options=PublisherOptions(enable_message_ordering=True),
        )

    def topic_path(self, topic: str) -> str:
        return str(self.publisher.topic_path(self.project_id, topic))

    def publish(
        self,
        topic: str,
        message: Contract,
        *,
        relay_id: str | None = None,
        ordered: bool = True,
        timeout: float = 30.0,
    ) -> str:
        """Publish and wait for the server's id. Messages of one session stay in order."""
        return self.publish_raw(
            topic,
            message.model_dump_json().encode(),
            self._attributes(message, relay_id),
            ordering_key=message.session_id if ordered else "",
            timeout=timeout,
        )

    def publish_many(
        self, topic: str, messages: Sequence[Contract], timeout: float = 30.0
    ) -> list[str]:
        """Publish in order without waiting between messages, then wait for all of them."""
        pending = [
            (self._send(topic, m.model_dump_json().encode(), self._attributes(m), m.session_id), m)
            for m in messages
        ]
        return [self._wait(topic, future, m.session_id, timeout) for future, m in pending]

    def start_publish(self, topic: str, message: Contract) -> Any:
        """Send in the session's order without waiting; ``finish_publish`` waits for it."""
        data = message.model_dump_json().encode()
        return self._send(topic, data, self._attributes(message), message.session_id)

    def finish_publish(
        self, topic: str, pending: Any, message: Contract, timeout: float = 30.0
    ) -> str:
        return self._wait(topic, pending, message.session_id, timeout)

    def _attributes(self, message: Contract, relay_id: str | None = None) -> dict[str, str]:
        attributes = {"session_id": message.session_id, "turn_id": message.turn_id}
        if relay_id:
            attributes["relay_id"] = relay_id
        trace = current_trace.get()
        if trace is not None:
            attributes["traceparent"] = trace.traceparent
        return attributes

    def _send(
        self, topic: str, data: bytes, attributes: Mapping[str, str], ordering_key: str
    ) -> Any:
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(f"message of {len(data)} bytes exceeds the bus limit")
        return self.publisher.publish(
            self.topic_path(topic), data, ordering_key=ordering_key, **attributes
        )

    def publish_raw(
        self,
        topic: str,
        data: bytes,
        attributes: Mapping[str, str],
        *,
        ordering_key: str = "",
        timeout: float = 30.0,
    ) -> str:
        return self._wait(
            topic, self._send(topic, data, attributes, ordering_key), ordering_key, timeout
        )

    def _wait(self, topic: str, future: Any, ordering_key: str, timeout: float) -> str:
        path = self.topic_path(topic)
        try:
            return str(future.result(timeout=timeout))
        except Exception:
            if ordering_key:
                # A failed ordered publish pauses the key until resumed; resume so later
                # messages of this session are not stuck behind it.
                self.publisher.resume_publish(path, ordering_key)
            raise

    def dead_letter(self, topic: str, inbound: InboundMessage, reason: str) -> str:
        """Park an unparseable message on the topic's dead-letter topic, with the reason."""
        attributes = dict(inbound.attributes)
        attributes.update(
            {
                "dead_letter_reason": reason[:1000],
                "original_topic": topic,
                "original_message_id": inbound.message_id,
            }
        )
        log.warning(
            "message dead-lettered",
            extra={"topic": topic, "message_id": inbound.message_id, "reason": reason[:300]},
        )
        return self.publish_raw(
            dead_letter_topic(topic), inbound.data[:MAX_MESSAGE_BYTES], attributes
        )
