"""Pub/Sub message contracts: one pydantic model per topic, JSON-encoded as the message data.

Routing lives in attributes (``session_id``, ``turn_id``, ``relay_id``, ``traceparent``); the
models carry them too so a handler never depends on attributes alone. ``schema_version`` lets a
consumer reject a message from a newer producer instead of misreading it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from shared.ws_protocol import OutboundClientEvent

SCHEMA_VERSION: Literal[1] = 1
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = SCHEMA_VERSION
    session_id: Id
    turn_id: Id


class AudioPayload(BaseModel):
    """Audio inline (base64) up to a limit, otherwise a Cloud Storage reference."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mime_type: str = Field(min_length=1, max_length=64)
    sample_rate: int | None = Field(default=None, ge=8000, le=48000)
    data_b64: str | None = None
    gcs_uri: str | None = Field(default=None, pattern=r"^gs://[^/]+/.+")
    duration_ms: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one_location(self) -> AudioPayload:
        if (self.data_b64 is None) == (self.gcs_uri is None):
            raise ValueError("exactly one of data_b64 or gcs_uri must be set")
        return self


class VoiceUtterance(Contract):
    """Topic ``voice-utterance``: one caller utterance, published by the relay."""

    type: Literal["voice_utterance"] = "voice_utterance"
    user_id: Id
    audio: AudioPayload
    stt_provider: str | None = None
    stt_mode: Literal["batch", "streaming"] = "batch"
    language: str = "en"
    ended_at: float = Field(description="epoch seconds when the caller stopped speaking")
    speculative: bool = Field(
        default=False,
        description="sent at a pause before the end of speech is certain: transcribe and keep "
        "the result for the final utterance of the same turn, publish nothing",
    )
    purpose: Literal["turn", "barge_check"] = Field(
        default="turn",
        description="barge_check: speech heard over a playing reply; transcribe it, keep the "
        "result for the same turn and send only its text back to the relay (barge_check), "
        "publish no transcript",
    )
    draft: int | None = Field(
        default=None,
        ge=0,
        description="hands-free, where the caller's speech stopped (ms into the stream). On a "
        "speculative snapshot: also prepare a draft reply on it. On the final utterance: the "
        "turn ended on that snapshot (no speech after it), so its transcript stands",
    )


class VoiceTranscript(Contract):
    """Topic ``voice-transcript``: what the caller said (from STT) or typed, or (``source:
    session_start``, no text) that a session began and the agent greets the caller."""

    type: Literal["voice_transcript"] = "voice_transcript"
    user_id: Id
    text: str = Field(default="", max_length=4000)
    source: Literal["voice", "text", "phone", "session_start"] = "text"
    language: str = "en"
    received_at: float = Field(description="epoch seconds when the relay received the turn")
    draft: int | None = Field(
        default=None,
        ge=0,
        description="the transcript of a snapshot taken at a pause, not yet the caller's turn: "
        "prepare a draft reply, holding every tool call that changes anything",
    )
    commits_draft: int | None = Field(
        default=None,
        ge=0,
        description="the final transcript, the same as snapshot ``draft``'s: that draft's "
        "reply is the turn's, if it was prepared",
    )

    @model_validator(mode="after")
    def _text_unless_a_session_start(self) -> VoiceTranscript:
        if (self.source == "session_start") == bool(self.text.strip()):
            raise ValueError("a turn has text; a session start has none")
        return self


class AgentReply(Contract):
    """Topic ``agent-reply``: one sentence of the agent's answer, in order, for TTS."""

    type: Literal["agent_reply"] = "agent_reply"
    sentence_index: int = Field(ge=0)
    text: str = Field(max_length=2000)
    is_final: bool
    tts_provider: str | None = None
    purpose: Literal["reply", "greeting"] = "reply"
    draft: int | None = Field(
        default=None, ge=0, description="a piece of a draft reply (VoiceTranscript.draft)"
    )


class SessionOutbound(Contract):
    """Topic ``session-outbound``: one event for the client, delivered by the session's relay."""

    type: Literal["session_outbound"] = "session_outbound"
    relay_id: Id
    event: OutboundClientEvent
    dedupe_key: str = Field(
        min_length=1, max_length=200, description="the relay forwards each key once per session"
    )
    draft: int | None = Field(
        default=None,
        ge=0,
        description="audio of a draft reply: the relay holds it until the turn ends, sends it "
        "if the turn ended on that snapshot and drops it otherwise",
    )


class StageTiming(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = Field(min_length=1, max_length=64)
    started_at: float
    ended_at: float


class ToolCallRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    name: str
    arguments: dict[str, object]
    ok: bool
    result_summary: str = Field(max_length=2000)
    started_at: float
    ended_at: float


class FallbackRecord(BaseModel):
    """A provider passed over within a turn, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str = Field(min_length=1, max_length=64)
    reason: str = Field(max_length=500)


class MonitorEvent(Contract):
    """Topic ``monitor-events``: what a stage did and how long it took.

    The optional fields say who did the stage's work (``provider``, ``model``: a speech
    provider for stt and tts, a language model for agent_turn, with the providers passed over
    before it in ``fallbacks``), where the agent routed the turn (``domain``, ``routed_by``),
    and on which channel the caller is (``channel``)."""

    type: Literal["monitor_event"] = "monitor_event"
    service: str
    kind: Literal[
        "turn_started",
        "turn_completed",
        "turn_failed",
        "fallback",
        "cancelled",
        "tool_call",
        "first_audio",  # the relay: end of input -> first audio sent
        "greeting",  # the agent greeted a new session (no caller's turn)
    ]
    user_id: Id | None = None
    timings: list[StageTiming] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    text_in: str | None = Field(default=None, max_length=4000)
    text_out: str | None = Field(default=None, max_length=8000)
    detail: str | None = Field(default=None, max_length=2000)
    channel: Literal["web", "phone", "api"] | None = None
    provider: str | None = Field(default=None, max_length=64)
    model: str | None = Field(default=None, max_length=128)
    fallbacks: list[FallbackRecord] = Field(default_factory=list, max_length=10)
    domain: str | None = Field(default=None, max_length=32)
    routed_by: str | None = Field(default=None, max_length=16)
    at: float


BusMessage = Annotated[
    VoiceUtterance | VoiceTranscript | AgentReply | SessionOutbound | MonitorEvent,
    Field(discriminator="type"),
]
bus_message_adapter: TypeAdapter[BusMessage] = TypeAdapter(BusMessage)

# Topic name -> the contract its messages must satisfy.
TOPIC_CONTRACTS: dict[str, type[Contract]] = {
    "voice-utterance": VoiceUtterance,
    "voice-transcript": VoiceTranscript,
    "agent-reply": AgentReply,
    "session-outbound": SessionOutbound,
    "monitor-events": MonitorEvent,
}
