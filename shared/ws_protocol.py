"""The ``/webrtc/ws`` protocol: every frame a client may send and every frame the relay sends.

Kept compatible with the original Convonet clients. See docs/websocket-protocol.md.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

SttProvider = Literal["whisper", "deepgram"]
TtsProvider = Literal["piper", "deepgram"]
OFFLINE_STT: SttProvider = "whisper"  # need no key and no network
OFFLINE_TTS: TtsProvider = "piper"
# The agent's language models (functions/agent_turn/llm): "rules" is the offline model.
LlmProvider = Literal["anthropic", "openai", "gemini", "rules"]
# Every id a client may name: letters, digits, '-' and '_' (never '/' or '.', which would
# reach into a Firestore path).
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
MAX_SEQUENCE = 10_000_000


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# ---- client -> relay -------------------------------------------------------------------------


class Authenticate(_Frame):
    type: Literal["authenticate"]
    pin: str = Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")
    account: str | None = Field(
        default=None, min_length=3, max_length=254, description="email address or phone number"
    )
    stt_provider: SttProvider | None = None
    tts_provider: TtsProvider | None = None
    llm_provider: LlmProvider | None = None


class StartRecording(_Frame):
    type: Literal["start_recording"]
    stt_mode: Literal["batch", "streaming"] = "batch"
    language: str = Field(default="en", min_length=2, max_length=16)
    mime_type: str | None = Field(default=None, max_length=64)
    sample_rate: int | None = Field(default=None, ge=8000, le=48000, strict=True)


class AudioChunk(_Frame):
    type: Literal["audio_chunk"]
    sequence: int = Field(ge=0, le=MAX_SEQUENCE, strict=True)
    data_b64: str = Field(min_length=1)
    mime_type: str | None = Field(default=None, max_length=64)


class StopRecording(_Frame):
    type: Literal["stop_recording"]


class AudioFrame(_Frame):
    type: Literal["audio_frame"]
    sequence: int = Field(ge=0, le=MAX_SEQUENCE, strict=True)
    data_b64: str = Field(min_length=1)


class EndUtterance(_Frame):
    type: Literal["end_utterance"]


class Cancel(_Frame):
    type: Literal["cancel"]
    turn_id: str | None = Field(default=None, pattern=ID_PATTERN)


class Text(_Frame):
    type: Literal["text"]
    text: str = Field(min_length=1)


class VoiceProviders(_Frame):
    """The session's choice of speech and language providers; each one given is also saved as
    the user's choice for their next sessions."""

    type: Literal["voice_providers"]
    stt_provider: SttProvider | None = None
    tts_provider: TtsProvider | None = None
    llm_provider: LlmProvider | None = None


class Heartbeat(_Frame):
    type: Literal["heartbeat"]


ClientFrame = Annotated[
    Authenticate
    | StartRecording
    | AudioChunk
    | StopRecording
    | AudioFrame
    | EndUtterance
    | Cancel
    | Text
    | VoiceProviders
    | Heartbeat,
    Field(discriminator="type"),
]
client_frame_adapter: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
CLIENT_FRAME_TYPES = frozenset(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in (
        Authenticate,
        StartRecording,
        AudioChunk,
        StopRecording,
        AudioFrame,
        EndUtterance,
        Cancel,
        Text,
        VoiceProviders,
        Heartbeat,
    )
)


# ---- relay -> client -------------------------------------------------------------------------


class AuthOk(_Frame):
    type: Literal["auth_ok"] = "auth_ok"
    session_id: str
    user_id: str
    user_name: str


class Greeting(_Frame):
    type: Literal["greeting"] = "greeting"
    text: str
    data_b64: str | None = None
    mime_type: str | None = None


class Status(_Frame):
    type: Literal["status"] = "status"
    message: str
    turn_id: str | None = None


class ProcessingStart(_Frame):
    type: Literal["processing_start"] = "processing_start"
    turn_id: str


# Why a provider chosen for a turn (or next in its fallback chain) did not do the work:
# "not_configured": this deployment has no key for it; "failed": it errored or was too slow.
PassReason = Literal["not_configured", "failed"]


class PassedOver(_Frame):
    """A provider a turn passed over for the next one (a provider id, not a display name)."""

    provider: str = Field(max_length=64)
    reason: PassReason


MAX_PASSED_OVER = 10


class TranscriptFinal(_Frame):
    type: Literal["transcript_final"] = "transcript_final"
    text: str
    turn_id: str
    # Optional: which speech-to-text provider transcribed it, and any passed over first.
    stt_provider: str | None = Field(default=None, max_length=64)
    passed_over: list[PassedOver] | None = Field(default=None, max_length=MAX_PASSED_OVER)


class AgentFinal(_Frame):
    type: Literal["agent_final"] = "agent_final"
    text: str
    turn_id: str
    transfer: dict[str, str] | None = None
    # Optional: which language model answered ("rules" is the offline one), and the providers
    # the turn passed over before it (the session's or user's choice with no key here, or a
    # provider that failed within the turn).
    answered_by: str | None = Field(default=None, max_length=64)
    passed_over: list[PassedOver] | None = Field(default=None, max_length=MAX_PASSED_OVER)


class AudioOut(_Frame):
    type: Literal["audio_chunk"] = "audio_chunk"
    turn_id: str
    chunk_index: int = Field(ge=0)
    data_b64: str
    mime_type: str
    is_final: bool = False
    # Optional: which text-to-speech provider spoke this chunk, and any passed over first.
    tts_provider: str | None = Field(default=None, max_length=64)
    passed_over: list[PassedOver] | None = Field(default=None, max_length=MAX_PASSED_OVER)


class HeartbeatAck(_Frame):
    type: Literal["heartbeat_ack"] = "heartbeat_ack"
    server_time: float


ErrorCode = Literal[
    "invalid_json",
    "binary_not_supported",
    "unknown_type",
    "invalid_message",
    "frame_too_large",
    "not_authenticated",
    "already_authenticated",
    "auth_failed",
    "auth_locked",
    "auth_timeout",
    "too_many_connections",
    "rate_limited",
    "unknown_turn",
    "voice_unavailable",
    "not_recording",
    "already_recording",
    "chunk_out_of_order",
    "bad_audio",
    "unsupported_audio",
    "empty_utterance",
    "utterance_too_short",
    "utterance_too_long",
    "utterance_too_large",
    "audio_decode_failed",
    "stt_failed",
    "tts_failed",
    "turn_failed",
    "internal_error",
]


class Error(_Frame):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    turn_id: str | None = None


class BargeCheck(_Frame):
    """What the caller said over a playing reply (a ``voice-utterance`` with ``purpose:
    "barge_check"``), sent by ``stt`` to the relay, which decides from it whether the reply was
    interrupted; the relay keeps it (the client never receives it)."""

    type: Literal["barge_check"] = "barge_check"
    turn_id: str  # the caller's utterance, not the reply
    text: str = Field(default="", max_length=4000)


# Events produced by functions and delivered through `session-outbound`.
OutboundClientEvent = Annotated[
    Status
    | ProcessingStart
    | TranscriptFinal
    | AgentFinal
    | AudioOut
    | Greeting
    | Error
    | BargeCheck,
    Field(discriminator="type"),
]
ServerFrame = AuthOk | HeartbeatAck | OutboundClientEvent
