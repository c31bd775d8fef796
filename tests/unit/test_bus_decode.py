"""Decoding what Pub/Sub delivers, and publishing through a recording fake publisher."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent

from shared.bus import (
    MAX_MESSAGE_BYTES,
    Bus,
    InboundMessage,
    InvalidMessage,
    decode_envelope,
    parse,
)
from shared.contracts import AgentReply, VoiceTranscript
from shared.log import log_context
from shared.tracing import TraceContext

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"
TRANSCRIPT = (DATA / "voice_transcript.json").read_bytes()


def _envelope(data: bytes = TRANSCRIPT, **extra: Any) -> dict[str, Any]:
    return {
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": {"session_id": "s-0001", "turn_id": "t-0001"},
            "messageId": "1234567890",
            "publishTime": "2026-01-01T00:00:00Z",
        },
        "subscription": "projects/demo/subscriptions/agent-turn-voice-transcript",
        **extra,
    }


def _check(inbound: InboundMessage) -> None:
    assert inbound.data == TRANSCRIPT
    assert inbound.attributes == {"session_id": "s-0001", "turn_id": "t-0001"}
    assert inbound.message_id == "1234567890"
    assert inbound.subscription == "projects/demo/subscriptions/agent-turn-voice-transcript"


def test_decode_dict_envelope() -> None:
    inbound = decode_envelope(_envelope())
    _check(inbound)
    assert inbound.delivery_attempt is None


def test_decode_json_string_and_bytes() -> None:
    text = json.dumps(_envelope())
    _check(decode_envelope(text))
    _check(decode_envelope(text.encode()))


def test_decode_delivery_attempt() -> None:
    assert decode_envelope(_envelope(deliveryAttempt=3)).delivery_attempt == 3
    assert decode_envelope(_envelope(deliveryAttempt="3")).delivery_attempt is None


def test_decode_cloud_event() -> None:
    event = CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/x",
        },
        _envelope(),
    )
    _check(decode_envelope(event))


def test_decode_object_with_data_attribute_holding_json() -> None:
    class Holder:
        data = json.dumps(_envelope()).encode()

    _check(decode_envelope(Holder()))


def test_decode_message_id_alias_and_stringified_attributes() -> None:
    env = _envelope()
    del env["message"]["messageId"]
    env["message"]["message_id"] = "m-2"
    env["message"]["attributes"] = {"n": 5}
    inbound = decode_envelope(env)
    assert inbound.message_id == "m-2"
    assert inbound.attributes == {"n": "5"}


def test_decode_missing_attributes_and_data() -> None:
    inbound = decode_envelope({"message": {"messageId": "1"}})
    assert inbound.data == b""
    assert inbound.attributes == {}
    assert inbound.subscription == ""


@pytest.mark.parametrize(
    "envelope",
    [
        {},
        {"subscription": "x"},
        {"message": None},
        {"message": "not an object"},
        {"message": ["a"]},
        [],
        "null",
        "[]",
        b'{"subscription": "x"}',
    ],
)
def test_rejects_missing_message(envelope: Any) -> None:
    with pytest.raises(InvalidMessage, match="no 'message' object"):
        decode_envelope(envelope)


@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe", "", b""])
def test_rejects_non_json_envelope(raw: str | bytes) -> None:
    with pytest.raises(InvalidMessage, match="not JSON"):
        decode_envelope(raw)


@pytest.mark.parametrize("data", ["not base64!", "abc", "YW Jj", "////=x"])
def test_rejects_non_base64_data(data: str) -> None:
    with pytest.raises(InvalidMessage, match="not valid base64"):
        decode_envelope({"message": {"data": data}})


@pytest.mark.parametrize("data", [123, {"a": 1}, ["x"]])
def test_rejects_non_string_data(data: Any) -> None:
    with pytest.raises(InvalidMessage, match="base64 string"):
        decode_envelope({"message": {"data": data}})


@pytest.mark.parametrize("attributes", ["a=b", ["a", "b"], 5])
def test_rejects_non_object_attributes(attributes: Any) -> None:
    env = _envelope()
    env["message"]["attributes"] = attributes
    with pytest.raises(InvalidMessage, match="attributes must be an object"):
        decode_envelope(env)


def test_invalid_message_is_a_value_error() -> None:
    assert issubclass(InvalidMessage, ValueError)


def test_parse_valid() -> None:
    parsed = parse(VoiceTranscript, decode_envelope(_envelope()))
    assert parsed.text == "add a todo to buy milk tomorrow"


def test_parse_lists_field_problems() -> None:
    bad = json.loads(TRANSCRIPT) | {"text": "x" * 4001, "session_id": "has space", "extra": 1}
    del bad["received_at"]
    with pytest.raises(InvalidMessage) as info:
        parse(VoiceTranscript, InboundMessage(json.dumps(bad).encode()))
    message = str(info.value)
    assert message.startswith("not a valid VoiceTranscript: ")
    for field in ("session_id", "text", "received_at", "extra"):
        assert f"{field}:" in message


def test_parse_non_json_and_wrong_shape() -> None:
    with pytest.raises(InvalidMessage, match="<root>"):
        parse(VoiceTranscript, InboundMessage(b"[1, 2]"))
    with pytest.raises(InvalidMessage, match="not a valid AgentReply"):
        parse(AgentReply, InboundMessage(b"garbage"))
    with pytest.raises(InvalidMessage, match="type"):
        parse(AgentReply, InboundMessage(TRANSCRIPT))


def test_parse_caps_the_problem_list() -> None:
    with pytest.raises(InvalidMessage) as info:
        parse(VoiceTranscript, InboundMessage(json.dumps({f"x{i}": i for i in range(20)}).encode()))
    assert str(info.value).count(";") == 4  # five problems at most


# ---- publishing ------------------------------------------------------------------------------


class FakeFuture:
    def __init__(self, result: str | None, error: Exception | None) -> None:
        self._result, self._error = result, error
        self.timeout: float | None = None

    def result(self, timeout: float | None = None) -> str | None:
        self.timeout = timeout
        if self._error is not None:
            raise self._error
        return self._result


class FakePublisher:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.published: list[dict[str, Any]] = []
        self.resumed: list[tuple[str, str]] = []
        self.futures: list[FakeFuture] = []

    def topic_path(self, project: str, topic: str) -> str:
        return f"projects/{project}/topics/{topic}"

    def publish(
        self, path: str, data: bytes, ordering_key: str = "", **attributes: str
    ) -> FakeFuture:
        self.published.append(
            {"path": path, "data": data, "ordering_key": ordering_key, "attributes": attributes}
        )
        future = FakeFuture(f"id-{len(self.published)}", self.error)
        self.futures.append(future)
        return future

    def resume_publish(self, path: str, ordering_key: str) -> None:
        self.resumed.append((path, ordering_key))


def _reply() -> AgentReply:
    return AgentReply.model_validate_json((DATA / "agent_reply.json").read_bytes())


def test_publish_sets_routing_attributes_and_ordering_key() -> None:
    fake = FakePublisher()
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    message_id = bus.publish("agent-reply", _reply(), timeout=5)
    assert message_id == "id-1"
    (sent,) = fake.published
    assert sent["path"] == "projects/demo/topics/agent-reply"
    assert sent["ordering_key"] == "s-0001"
    assert sent["attributes"] == {"session_id": "s-0001", "turn_id": "t-0001"}
    assert AgentReply.model_validate_json(sent["data"]) == _reply()
    assert fake.futures[0].timeout == 5


def test_publish_inside_log_context_carries_relay_and_traceparent() -> None:
    fake = FakePublisher()
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    trace = TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
    with log_context(trace, session_id="s-0001"):
        bus.publish("agent-reply", _reply(), relay_id="r-1")
    assert fake.published[0]["attributes"] == {
        "session_id": "s-0001",
        "turn_id": "t-0001",
        "relay_id": "r-1",
        "traceparent": trace.traceparent,
    }


def test_unordered_publish_has_no_ordering_key() -> None:
    fake = FakePublisher()
    Bus("demo", publisher=fake).publish("agent-reply", _reply(), ordered=False)  # type: ignore[arg-type]
    assert fake.published[0]["ordering_key"] == ""


def test_failed_ordered_publish_resumes_the_key() -> None:
    fake = FakePublisher(error=RuntimeError("unavailable"))
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="unavailable"):
        bus.publish("agent-reply", _reply())
    assert fake.resumed == [("projects/demo/topics/agent-reply", "s-0001")]


def test_failed_unordered_publish_does_not_resume() -> None:
    fake = FakePublisher(error=TimeoutError("slow"))
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        bus.publish("agent-reply", _reply(), ordered=False)
    assert fake.resumed == []


def test_publish_raw_size_limit() -> None:
    fake = FakePublisher()
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exceeds the bus limit"):
        bus.publish_raw("voice-utterance", b"x" * (MAX_MESSAGE_BYTES + 1), {})
    assert fake.published == []
    assert bus.publish_raw("voice-utterance", b"x" * MAX_MESSAGE_BYTES, {}) == "id-1"


def test_dead_letter_keeps_attributes_and_adds_the_reason() -> None:
    fake = FakePublisher()
    bus = Bus("demo", publisher=fake)  # type: ignore[arg-type]
    inbound = InboundMessage(b"garbage", {"session_id": "s-1"}, message_id="m-9")
    bus.dead_letter("voice-transcript", inbound, "r" * 5000)
    (sent,) = fake.published
    assert sent["path"] == "projects/demo/topics/voice-transcript-dead-letter"
    assert sent["data"] == b"garbage"
    assert sent["ordering_key"] == ""
    attrs = sent["attributes"]
    assert attrs["session_id"] == "s-1"
    assert attrs["original_topic"] == "voice-transcript"
    assert attrs["original_message_id"] == "m-9"
    assert attrs["dead_letter_reason"] == "r" * 1000
