"""Golden wire formats: every Pub/Sub contract and every WebSocket frame has a checked-in example.

A change to a model that changes its JSON shows up as a failing test and a diff in tests/data.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from shared import contracts, ws_protocol
from shared.contracts import (
    TOPIC_CONTRACTS,
    AgentReply,
    AudioPayload,
    MonitorEvent,
    SessionOutbound,
    VoiceTranscript,
    VoiceUtterance,
    bus_message_adapter,
)
from shared.ws_protocol import CLIENT_FRAME_TYPES, client_frame_adapter

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"
WS_CLIENT = DATA / "ws" / "client"
WS_SERVER = DATA / "ws" / "server"

# Golden file(s) per contract model.
GOLDEN: dict[type[contracts.Contract], list[str]] = {
    VoiceUtterance: ["voice_utterance.json", "voice_utterance_gcs.json"],
    VoiceTranscript: ["voice_transcript.json"],
    AgentReply: ["agent_reply.json"],
    SessionOutbound: ["session_outbound.json"],
    MonitorEvent: ["monitor_event.json"],
}
GOLDEN_CASES = [(model, name) for model, names in GOLDEN.items() for name in names]

SERVER_FRAME_CLASSES = (
    ws_protocol.AuthOk,
    ws_protocol.Greeting,
    ws_protocol.Status,
    ws_protocol.ProcessingStart,
    ws_protocol.TranscriptFinal,
    ws_protocol.AgentFinal,
    ws_protocol.AudioOut,
    ws_protocol.HeartbeatAck,
    ws_protocol.Error,
    ws_protocol.BargeCheck,  # stt -> relay only; the client never receives it
)
server_frame_adapter: TypeAdapter[Any] = TypeAdapter(ws_protocol.ServerFrame)


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _type_of(model: type[Any]) -> str:
    return model.model_fields["type"].default


# ---- bus contracts ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(TOPIC_CONTRACTS.values(), key=lambda m: m.__name__))
def test_every_topic_contract_has_a_golden_file(model: type[contracts.Contract]) -> None:
    assert model in GOLDEN, f"add a golden file for {model.__name__} under tests/data"
    for name in GOLDEN[model]:
        assert (DATA / name).is_file(), name


def test_golden_table_covers_exactly_the_topic_contracts() -> None:
    assert set(GOLDEN) == set(TOPIC_CONTRACTS.values())


@pytest.mark.parametrize(("model", "name"), GOLDEN_CASES, ids=[n for _, n in GOLDEN_CASES])
def test_golden_contract_round_trips_exactly(model: type[contracts.Contract], name: str) -> None:
    raw = _load(DATA / name)
    parsed = model.model_validate(raw)
    assert parsed.model_dump(mode="json") == raw
    # The JSON bytes path (what Pub/Sub delivers) gives the same object.
    assert model.model_validate_json((DATA / name).read_bytes()) == parsed


@pytest.mark.parametrize(("model", "name"), GOLDEN_CASES, ids=[n for _, n in GOLDEN_CASES])
def test_golden_contract_parses_with_bus_message_adapter(
    model: type[contracts.Contract], name: str
) -> None:
    raw = _load(DATA / name)
    parsed = bus_message_adapter.validate_python(raw)
    assert type(parsed) is model
    assert bus_message_adapter.dump_python(parsed, mode="json") == raw


def test_inline_and_gcs_utterance_examples_use_different_locations() -> None:
    inline = VoiceUtterance.model_validate(_load(DATA / "voice_utterance.json"))
    gcs = VoiceUtterance.model_validate(_load(DATA / "voice_utterance_gcs.json"))
    assert inline.audio.data_b64 and inline.audio.gcs_uri is None
    assert gcs.audio.gcs_uri and gcs.audio.data_b64 is None


def test_session_outbound_golden_carries_an_agent_final_event() -> None:
    parsed = SessionOutbound.model_validate(_load(DATA / "session_outbound.json"))
    assert isinstance(parsed.event, ws_protocol.AgentFinal)


def test_monitor_event_golden_has_timings_and_a_tool_call() -> None:
    parsed = MonitorEvent.model_validate(_load(DATA / "monitor_event.json"))
    assert parsed.timings
    assert parsed.tool_calls and parsed.tool_calls[0].name == "add_todo"


@pytest.mark.parametrize(("model", "name"), GOLDEN_CASES, ids=[n for _, n in GOLDEN_CASES])
def test_extra_fields_are_rejected(model: type[contracts.Contract], name: str) -> None:
    raw = _load(DATA / name) | {"unexpected": 1}
    with pytest.raises(ValidationError, match="unexpected"):
        model.model_validate(raw)
    with pytest.raises(ValidationError):
        bus_message_adapter.validate_python(raw)


def test_extra_fields_are_rejected_inside_audio_payload() -> None:
    raw = _load(DATA / "voice_utterance.json")
    raw["audio"]["codec"] = "opus"
    with pytest.raises(ValidationError, match="codec"):
        VoiceUtterance.model_validate(raw)


@pytest.mark.parametrize(("model", "name"), GOLDEN_CASES, ids=[n for _, n in GOLDEN_CASES])
def test_newer_schema_version_is_rejected(model: type[contracts.Contract], name: str) -> None:
    raw = _load(DATA / name) | {"schema_version": 2}
    with pytest.raises(ValidationError, match="schema_version"):
        model.model_validate(raw)


def test_schema_version_defaults_to_one() -> None:
    raw = _load(DATA / "agent_reply.json")
    del raw["schema_version"]
    assert AgentReply.model_validate(raw).schema_version == 1


def test_wrong_type_discriminator_is_rejected() -> None:
    raw = _load(DATA / "agent_reply.json") | {"type": "voice_transcript"}
    with pytest.raises(ValidationError):
        AgentReply.model_validate(raw)


def test_audio_payload_needs_exactly_one_location() -> None:
    with pytest.raises(ValidationError, match="exactly one of data_b64 or gcs_uri"):
        AudioPayload(mime_type="audio/wav", data_b64="AAAA", gcs_uri="gs://bucket/a.wav")
    with pytest.raises(ValidationError, match="exactly one of data_b64 or gcs_uri"):
        AudioPayload(mime_type="audio/wav")
    assert AudioPayload(mime_type="audio/wav", data_b64="AAAA").data_b64 == "AAAA"
    assert AudioPayload(mime_type="audio/wav", gcs_uri="gs://b/a.wav").gcs_uri == "gs://b/a.wav"


@pytest.mark.parametrize("uri", ["https://example.com/a.wav", "gs://bucket", "gs:///a.wav"])
def test_audio_gcs_uri_must_name_a_bucket_and_object(uri: str) -> None:
    with pytest.raises(ValidationError):
        AudioPayload(mime_type="audio/wav", gcs_uri=uri)


@pytest.mark.parametrize(
    "bad_id", ["has space", "x" * 65, "", "slash/inside", "semi;colon", "ünicode"]
)
@pytest.mark.parametrize("field", ["session_id", "turn_id", "user_id"])
def test_bad_ids_are_rejected(field: str, bad_id: str) -> None:
    raw = _load(DATA / "voice_transcript.json") | {field: bad_id}
    with pytest.raises(ValidationError, match=field):
        VoiceTranscript.model_validate(raw)


def test_longest_allowed_id_is_accepted() -> None:
    raw = _load(DATA / "voice_transcript.json") | {"session_id": "a" * 64}
    assert VoiceTranscript.model_validate(raw).session_id == "a" * 64


def test_contracts_are_frozen() -> None:
    parsed = AgentReply.model_validate(_load(DATA / "agent_reply.json"))
    with pytest.raises(ValidationError):
        parsed.text = "changed"  # type: ignore[misc]


# ---- WebSocket frames ------------------------------------------------------------------------


@pytest.mark.parametrize("frame_type", sorted(CLIENT_FRAME_TYPES))
def test_every_client_frame_type_has_a_golden_file(frame_type: str) -> None:
    path = WS_CLIENT / f"{frame_type}.json"
    assert path.is_file(), f"add {path.relative_to(DATA.parent)}"
    raw = _load(path)
    assert raw["type"] == frame_type
    frame = client_frame_adapter.validate_python(raw)
    assert frame.type == frame_type
    assert frame.model_dump(mode="json") == raw


def test_no_stray_client_golden_files() -> None:
    assert {p.stem for p in WS_CLIENT.glob("*.json")} == set(CLIENT_FRAME_TYPES)


@pytest.mark.parametrize("cls", SERVER_FRAME_CLASSES, ids=lambda c: c.__name__)
def test_every_server_frame_class_has_a_golden_file(cls: type[Any]) -> None:
    path = WS_SERVER / f"{_type_of(cls)}.json"
    assert path.is_file(), f"add {path.relative_to(DATA.parent)}"
    raw = _load(path)
    frame = cls.model_validate(raw)
    assert frame.model_dump(mode="json") == raw
    assert isinstance(server_frame_adapter.validate_python(raw), cls)


def test_server_frame_classes_cover_the_server_frame_union() -> None:
    def members(tp: Any) -> set[Any]:
        args = getattr(tp, "__args__", None)
        if args is None:
            return {tp}
        out: set[Any] = set()
        for arg in args:
            meta = getattr(arg, "__metadata__", None)
            out |= members(arg.__origin__ if meta is not None else arg)
        return out

    assert members(ws_protocol.ServerFrame) == set(SERVER_FRAME_CLASSES)


def test_server_golden_files_match_server_frame_types() -> None:
    assert {p.stem for p in WS_SERVER.glob("*.json")} == {_type_of(c) for c in SERVER_FRAME_CLASSES}
