"""websocket_relay.frames.parse_frame: every client frame, and a precise error for every bad one."""

import json
from pathlib import Path

import pytest

from shared import ws_protocol
from shared.ws_protocol import CLIENT_FRAME_TYPES
from websocket_relay.frames import FrameError, parse_frame

pytestmark = pytest.mark.unit

LIMIT = 64 * 1024
WS_CLIENT = Path(__file__).resolve().parents[1] / "data" / "ws" / "client"

EXPECTED_CLASS = {
    "authenticate": ws_protocol.Authenticate,
    "start_recording": ws_protocol.StartRecording,
    "audio_chunk": ws_protocol.AudioChunk,
    "stop_recording": ws_protocol.StopRecording,
    "audio_frame": ws_protocol.AudioFrame,
    "end_utterance": ws_protocol.EndUtterance,
    "cancel": ws_protocol.Cancel,
    "text": ws_protocol.Text,
    "voice_providers": ws_protocol.VoiceProviders,
    "heartbeat": ws_protocol.Heartbeat,
}


def _error(raw: str | bytes, max_bytes: int = LIMIT) -> ws_protocol.Error:
    with pytest.raises(FrameError) as info:
        parse_frame(raw, max_bytes)
    return info.value.error


def test_expected_class_table_covers_every_client_type() -> None:
    assert set(EXPECTED_CLASS) == set(CLIENT_FRAME_TYPES)


def test_binary_frame_is_rejected() -> None:
    err = _error(b'{"type": "heartbeat"}')
    assert err.code == "binary_not_supported"
    assert "21 bytes" in err.message


@pytest.mark.parametrize("raw", ["not json", "{", '{"type": "heartbeat",}', ""])
def test_non_json_is_invalid_json(raw: str) -> None:
    err = _error(raw)
    assert err.code == "invalid_json"
    assert "not valid JSON" in err.message


@pytest.mark.parametrize("raw", ["[]", '[{"type": "heartbeat"}]', '"heartbeat"', "42", "null"])
def test_non_object_json_is_invalid_message(raw: str) -> None:
    err = _error(raw)
    assert err.code == "invalid_message"
    assert "'type'" in err.message


def test_missing_type_is_invalid_message_naming_type() -> None:
    err = _error('{"pin": "1234"}')
    assert err.code == "invalid_message"
    assert "type" in err.message


@pytest.mark.parametrize("kind", ["hello", "AUTHENTICATE", "auth_ok", 7, True, ["text"]])
def test_unknown_type(kind: object) -> None:
    err = _error(json.dumps({"type": kind}))
    assert err.code == "unknown_type"
    assert "expected one of" in err.message
    for name in CLIENT_FRAME_TYPES:
        assert name in err.message


def test_unknown_type_message_is_truncated() -> None:
    err = _error(json.dumps({"type": "x" * 500}))
    assert err.code == "unknown_type"
    assert "x" * 41 not in err.message


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "audio_chunk", "data_b64": "AAAA"}, "sequence"),
        ({"type": "audio_chunk", "sequence": 1}, "data_b64"),
        ({"type": "audio_frame", "data_b64": "AAAA"}, "sequence"),
        ({"type": "authenticate"}, "pin"),
        ({"type": "text"}, "text"),
    ],
)
def test_missing_field_is_named(payload: dict[str, object], field: str) -> None:
    err = _error(json.dumps(payload))
    assert err.code == "invalid_message"
    assert f"{field}: missing field" in err.message
    assert payload["type"] in err.message


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "authenticate", "pin": "12a4"}, "pin"),
        ({"type": "authenticate", "pin": "12 34"}, "pin"),
        ({"type": "authenticate", "pin": "123"}, "pin"),
        ({"type": "authenticate", "pin": "1" * 13}, "pin"),
        ({"type": "authenticate", "pin": 1234}, "pin"),
        ({"type": "authenticate", "pin": "1234", "stt_provider": "Deep Gram"}, "stt_provider"),
        ({"type": "audio_chunk", "sequence": -1, "data_b64": "AAAA"}, "sequence"),
        ({"type": "audio_chunk", "sequence": 0, "data_b64": ""}, "data_b64"),
        ({"type": "start_recording", "stt_mode": "live"}, "stt_mode"),
        ({"type": "start_recording", "sample_rate": 4000}, "sample_rate"),
        ({"type": "text", "text": ""}, "text"),
        ({"type": "cancel", "turn_id": "t" * 65}, "turn_id"),
    ],
)
def test_invalid_field_value_is_invalid_message(payload: dict[str, object], field: str) -> None:
    err = _error(json.dumps(payload))
    assert err.code == "invalid_message"
    assert f"{field}:" in err.message


def test_frame_too_large() -> None:
    raw = json.dumps({"type": "text", "text": "a" * 200})
    err = _error(raw, max_bytes=100)
    assert err.code == "frame_too_large"
    assert str(len(raw)) in err.message and "100" in err.message


def test_size_limit_is_checked_before_parsing() -> None:
    assert _error("x" * 101, max_bytes=100).code == "frame_too_large"


def test_frame_at_the_limit_is_accepted() -> None:
    raw = json.dumps({"type": "heartbeat"})
    assert isinstance(parse_frame(raw, len(raw)), ws_protocol.Heartbeat)


@pytest.mark.parametrize("frame_type", sorted(CLIENT_FRAME_TYPES))
def test_valid_frames_parse_into_their_class(frame_type: str) -> None:
    raw = (WS_CLIENT / f"{frame_type}.json").read_text()
    frame = parse_frame(raw, LIMIT)
    assert type(frame) is EXPECTED_CLASS[frame_type]
    assert frame.model_dump(mode="json") == json.loads(raw)


def test_minimal_frames_get_defaults() -> None:
    frame = parse_frame('{"type": "start_recording"}', LIMIT)
    assert isinstance(frame, ws_protocol.StartRecording)
    assert (frame.stt_mode, frame.language, frame.sample_rate) == ("batch", "en", None)
    cancel = parse_frame('{"type": "cancel"}', LIMIT)
    assert isinstance(cancel, ws_protocol.Cancel) and cancel.turn_id is None


def test_unknown_extra_fields_are_ignored_for_old_clients() -> None:
    frame = parse_frame('{"type": "text", "text": "hi", "client_version": "1.2"}', LIMIT)
    assert isinstance(frame, ws_protocol.Text)
    assert frame.text == "hi"
    assert "client_version" not in frame.model_dump()


def test_authenticate_keeps_leading_zeros() -> None:
    frame = parse_frame('{"type": "authenticate", "pin": "0007"}', LIMIT)
    assert isinstance(frame, ws_protocol.Authenticate)
    assert frame.pin == "0007"


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "audio_chunk", "sequence": ' + "9" * 5000 + ', "data_b64": "AA=="}',
        "[" * 1000 + "]" * 1000,
        '{"type": "text", "text": ' + "[" * 5000 + "]" * 5000 + "}",
    ],
    ids=["5000-digit number", "nested 1000 deep", "nested 5000 deep in a field"],
)
def test_unreadable_json_is_invalid_json_not_an_internal_error(raw: str) -> None:
    assert _error(raw).code == "invalid_json"


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "audio_chunk", "sequence": True, "data_b64": "AA=="},
        {"type": "audio_chunk", "sequence": "3", "data_b64": "AA=="},
        {"type": "audio_frame", "sequence": 1.0, "data_b64": "AA=="},
        {"type": "audio_frame", "sequence": 10**12, "data_b64": "AA=="},
        {"type": "start_recording", "sample_rate": "16000"},
        {"type": "start_recording", "sample_rate": True},
    ],
)
def test_integer_fields_take_integers_only(frame: dict[str, object]) -> None:
    assert _error(json.dumps(frame)).code == "invalid_message"


@pytest.mark.parametrize("turn_id", ["a/b", "..", "", "x" * 65, "turn id", "t\u00e9", "a\\b"])
def test_turn_ids_must_match_the_id_pattern(turn_id: str) -> None:
    error = _error(json.dumps({"type": "cancel", "turn_id": turn_id}))
    assert error.code == "invalid_message" and "turn_id" in error.message


def test_authenticate_takes_an_optional_account() -> None:
    frame = parse_frame(
        json.dumps({"type": "authenticate", "pin": "480913", "account": "ada@example.com"}), LIMIT
    )
    assert isinstance(frame, ws_protocol.Authenticate) and frame.account == "ada@example.com"
    assert _error(json.dumps({"type": "authenticate", "pin": "480913", "account": 5})).code == (
        "invalid_message"
    )
