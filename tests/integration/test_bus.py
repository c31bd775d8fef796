from __future__ import annotations

import json
import time

import pytest

from shared import topics
from shared.bus import Bus, InboundMessage, decode_envelope, parse
from shared.contracts import VoiceTranscript
from shared.log import log_context
from shared.tracing import TraceContext

pytestmark = pytest.mark.integration


def _transcript(turn: str = "t1", text: str = "hello") -> VoiceTranscript:
    return VoiceTranscript(
        session_id="s1", turn_id=turn, user_id="u1", text=text, received_at=time.time()
    )


def test_publish_carries_routing_attributes_and_trace(bus: Bus, tap) -> None:  # type: ignore[no-untyped-def]
    seen = tap(topics.VOICE_TRANSCRIPT)
    trace = TraceContext.new()
    with log_context(trace):
        bus.publish(topics.VOICE_TRANSCRIPT, _transcript(), relay_id="r9")
    [message] = seen.pull()
    attrs = dict(message.attributes)
    assert attrs["session_id"] == "s1" and attrs["turn_id"] == "t1" and attrs["relay_id"] == "r9"
    assert TraceContext.parse(attrs["traceparent"]).trace_id == trace.trace_id  # type: ignore[union-attr]
    assert message.ordering_key == "s1"
    assert parse(VoiceTranscript, InboundMessage(message.data, attrs)).text == "hello"


def test_messages_of_one_session_arrive_in_order(bus: Bus, tap) -> None:  # type: ignore[no-untyped-def]
    seen = tap(topics.VOICE_TRANSCRIPT)
    for i in range(10):
        bus.publish(topics.VOICE_TRANSCRIPT, _transcript(turn=f"t{i}", text=f"n{i}"))
    texts = [json.loads(m.data)["text"] for m in seen.pull(expect=10)]
    assert texts == [f"n{i}" for i in range(10)]


def test_dead_letter_keeps_the_bytes_and_the_reason(bus: Bus, tap) -> None:  # type: ignore[no-untyped-def]
    seen = tap(topics.dead_letter_topic(topics.VOICE_TRANSCRIPT))
    inbound = InboundMessage(b"{not json", {"session_id": "s1"}, message_id="m-1")
    bus.dead_letter(topics.VOICE_TRANSCRIPT, inbound, "not a valid VoiceTranscript")
    [message] = seen.pull()
    assert message.data == b"{not json"
    assert message.attributes["dead_letter_reason"] == "not a valid VoiceTranscript"
    assert message.attributes["original_message_id"] == "m-1"


def test_subscription_dead_letters_after_repeated_failures(
    bus: Bus, topics_ready: str, tap
) -> None:  # type: ignore[no-untyped-def]
    from google.cloud import pubsub_v1

    held = tap(topics.dead_letter_topic(topics.VOICE_TRANSCRIPT))
    bus.publish(topics.VOICE_TRANSCRIPT, _transcript(turn="poison"))
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(topics_ready, "agent-turn-voice-transcript")
    deadline = time.monotonic() + 60
    nacks, dead = 0, []
    while not dead and time.monotonic() < deadline:
        response = subscriber.pull(subscription=path, max_messages=1, timeout=1)
        for received in response.received_messages:
            subscriber.modify_ack_deadline(
                subscription=path, ack_ids=[received.ack_id], ack_deadline_seconds=0
            )
            nacks += 1
        dead = held.pull(timeout=0.5)
    assert dead and json.loads(dead[0].data)["turn_id"] == "poison"
    assert nacks >= topics.MAX_DELIVERY_ATTEMPTS


def test_push_envelope_round_trip(bus: Bus, tap) -> None:  # type: ignore[no-untyped-def]
    import base64

    seen = tap(topics.VOICE_TRANSCRIPT)
    bus.publish(topics.VOICE_TRANSCRIPT, _transcript())
    [m] = seen.pull()
    envelope = {
        "message": {
            "data": base64.b64encode(m.data).decode(),
            "attributes": dict(m.attributes),
            "messageId": m.message_id,
        },
        "subscription": "projects/p/subscriptions/s",
    }
    inbound = decode_envelope(envelope)
    assert inbound.message_id == m.message_id
    assert parse(VoiceTranscript, inbound).turn_id == "t1"
