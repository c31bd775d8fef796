"""Typed settings per deployable, read from the environment (or Secret Manager-backed env vars).

Outside local mode a missing or placeholder secret fails at start with a message that names the
variable, so a misconfigured deploy never reaches a caller.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "change_me", "placeholder", "secret", "xxx", "todo", "password"}
)


class ConfigurationError(RuntimeError):
    """Raised at start when the environment cannot run this deployable."""


def is_placeholder(value: SecretStr | None) -> bool:
    if value is None:
        return True
    raw = value.get_secret_value().strip().lower()
    return raw in PLACEHOLDER_SECRETS or raw.startswith(("your-", "<", "replace"))


def comma_separated(value: str) -> frozenset[str]:
    """The entries of a comma-separated setting (service accounts, say), blanks dropped."""
    return frozenset(entry.strip() for entry in value.split(",") if entry.strip())


class CommonSettings(BaseSettings):
    """Settings every deployable shares."""

    model_config = SettingsConfigDict(
        env_prefix="CONVONET_", extra="ignore", frozen=True, populate_by_name=True
    )

    env: Literal["local", "test", "production"] = Field(
        default="production", description="local and test allow demo secrets; production does not"
    )
    project_id: str = Field(
        default="demo-convonet",
        validation_alias="GOOGLE_CLOUD_PROJECT",
        description="Google Cloud project for Pub/Sub, Firestore and Cloud Storage",
    )
    log_level: str = "INFO"
    collection_prefix: str = Field(
        default="", description="prefix for Firestore collections (test isolation)"
    )

    @property
    def is_local(self) -> bool:
        return self.env in ("local", "test")

    def require_secrets(self, **named: SecretStr | None) -> None:
        """Fail loudly when a secret is missing or a placeholder, unless running locally."""
        if self.is_local:
            return
        bad = [name for name, value in named.items() if is_placeholder(value)]
        if bad:
            raise ConfigurationError(
                "missing or placeholder secret(s): "
                + ", ".join(sorted(bad))
                + " (set them in the environment or Secret Manager)"
            )


class DatabaseSettings(CommonSettings):
    db_host: str = Field(default="127.0.0.1", description="host, or a unix socket directory")
    db_port: int = 5432
    db_name: str = "convonet"
    db_user: str = "convonet"
    db_password: SecretStr | None = None
    db_pool_size: int = Field(default=4, ge=1, le=64)

    @model_validator(mode="after")
    def _check_db_password(self) -> DatabaseSettings:
        self.require_secrets(CONVONET_DB_PASSWORD=self.db_password)
        return self


class RelaySettings(DatabaseSettings):
    relay_host: str = "127.0.0.1"
    relay_port: int = 8765
    relay_id: str = Field(default_factory=lambda: "r" + secrets.token_hex(6))
    pin_pepper: SecretStr | None = Field(
        default=None, description="HMAC key for the PIN lookup index (Secret Manager)"
    )
    max_frame_bytes: int = Field(
        default=1_048_576, description="largest JSON frame answered (larger: frame_too_large)"
    )
    max_message_bytes: int = Field(
        default=2 * 1_048_576,
        description="signed in: larger frames close the socket (1009), checked as they inflate",
    )
    pre_auth_max_message_bytes: int = Field(
        default=4096, ge=256, description="before sign-in: larger frames close the socket (1009)"
    )
    max_text_chars: int = 2_000
    auth_max_failures_per_connection: int = 5
    auth_max_failures_per_source: int = 10
    auth_source_window_seconds: int = 900
    auth_max_failures_per_account: int = 5
    auth_account_window_seconds: int = 900
    auth_global_failure_budget: int = Field(
        default=200, description="failed sign-ins from all sources per window before spray mode"
    )
    auth_global_window_seconds: int = 300
    auth_spray_delay_seconds: float = Field(
        default=1.0, ge=0, description="in spray mode, wait this long before checking a PIN"
    )
    auth_timeout_seconds: float = Field(
        default=20.0, gt=0, description="close a connection not signed in by then"
    )
    max_connections_per_source: int = Field(default=20, ge=1, description="per relay instance")
    max_frames_per_second: float = Field(default=100.0, gt=0)
    frame_burst: int = Field(default=200, ge=1)
    max_turns_per_minute: int = Field(default=20, ge=1)
    turn_answer_timeout_seconds: float = Field(
        default=10.0, gt=0, description="a turn with no sign of progress this long fails aloud"
    )
    forwarded_for_trusted_hops: int = Field(
        default=0,
        ge=0,
        le=8,
        description="X-Forwarded-For entries appended by trusted proxies (0: ignore the header)",
    )
    allowed_origins: str = Field(
        default="",
        description="comma-separated browser origins allowed to connect (local: any loopback)",
    )
    outbound_subscription_ttl_days: int = 1
    max_utterance_bytes: int = Field(default=8 * 1024 * 1024, description="largest utterance taken")
    max_utterance_seconds: float = Field(default=60.0, gt=0)
    min_utterance_bytes: int = Field(default=1_000, description="smaller is not speech")
    inline_audio_limit: int = Field(default=512 * 1024, description="bytes sent inline on the bus")
    audio_bucket: str = "convonet-audio"
    vad_silence_ms: int = Field(default=300, ge=90, le=3000, description="hands-free end of speech")
    vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    turn_model: bool = Field(
        default=True, description="hands-free: end turns with the Smart Turn model (ADR 0018)"
    )
    turn_min_silence_ms: int = Field(default=180, ge=60, le=3000, description="first model check")
    turn_max_silence_ms: int = Field(default=700, ge=90, le=5000, description="end whatever")
    turn_dictation_max_silence_ms: int = Field(default=1600, ge=90, le=8000)
    turn_words_wait_ms: int = Field(
        default=400,
        ge=0,
        le=3000,
        description="dictating: a sure model waits this long for the pause's words (ADR 0020)",
    )
    turn_threshold: float = Field(default=0.9, gt=0, le=1, description="P(complete) to end")
    draft_replies: bool = Field(
        default=True,
        description="hands-free: prepare the reply on the snapshot at a pause, held until the "
        "turn ends there (ADR 0019)",
    )
    speculate_every_ms: int = Field(
        default=250,
        ge=0,
        description="push-to-talk: offer STT the audio so far this often (0: off)",
    )

    @model_validator(mode="after")
    def _check_pepper(self) -> RelaySettings:
        self.require_secrets(CONVONET_PIN_PEPPER=self.pin_pepper)
        return self

    def pepper_bytes(self) -> bytes:
        if self.pin_pepper is None:
            return b"convonet-local-pepper"  # local and test only: require_secrets guards prod
        return self.pin_pepper.get_secret_value().encode()


class CallerKeySettings(CommonSettings):
    """The key that signs whom a tool call acts for: agent_turn signs, every MCP server
    (functions/tools, functions/hanok) verifies."""

    tools_caller_key: SecretStr | None = Field(
        default=None, description="HMAC key for the signed caller of a tool call (Secret Manager)"
    )

    @model_validator(mode="after")
    def _check_caller_key(self) -> CallerKeySettings:
        self.require_secrets(CONVONET_TOOLS_CALLER_KEY=self.tools_caller_key)
        return self

    def caller_key_bytes(self) -> bytes:
        if self.tools_caller_key is None:
            return b"convonet-local-tools-caller-key"  # local and test only: see the validator
        return self.tools_caller_key.get_secret_value().encode()


class ToolCallerSettings(CallerKeySettings):
    """What agent_turn and the tools server share: the caller key, and (outside production)
    the credential a caller presents."""

    tools_token: SecretStr | None = Field(
        default=None,
        description="local and test: the bearer credential callers present to the tools server "
        "(production uses the calling service account's identity token)",
    )

    @model_validator(mode="after")
    def _check_tool_secrets(self) -> ToolCallerSettings:
        if self.is_local and is_placeholder(self.tools_token):
            raise ConfigurationError(
                "CONVONET_TOOLS_TOKEN must be set in local mode (make run generates one)"
            )
        return self


class AgentSettings(ToolCallerSettings):
    llm_provider: str = Field(default="rules", description="rules | anthropic | openai | gemini")
    memory_max_messages: int = 40
    tools_url: str = Field(
        default="http://127.0.0.1:8091/mcp", description="the tools server's MCP endpoint"
    )
    hanok_url: str = Field(
        default="http://127.0.0.1:8093/mcp", description="Hanok Table's MCP endpoint"
    )
    hanok_token: SecretStr | None = Field(
        default=None,
        description="local and test: the bearer credential callers present to Hanok Table "
        "(production uses the calling service account's identity token)",
    )
    tool_timeout_seconds: float = Field(default=10.0, gt=0, description="one tool call, at most")
    filler_after_seconds: float = Field(
        default=1.5, gt=0, description="a tool call this long before a word was said: a filler"
    )
    turn_deadline_seconds: float = Field(
        default=20.0, gt=0, description="one turn, at most; then the caller hears it took too long"
    )
    # Cloud language models (functions/agent_turn/llm). A provider is configured when its key
    # is set; a base URL points its SDK at another server (tests, a proxy, vLLM or Ollama).
    anthropic_api_key: SecretStr | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = None
    anthropic_model: str | None = Field(default=None, description="default: claude-haiku-4-5")
    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(
        default=None, description="with /v1; any OpenAI-compatible server: vLLM, Ollama, llama.cpp"
    )
    openai_model: str | None = Field(default=None, description="default: gpt-4.1-mini")
    gemini_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    gemini_base_url: str | None = None
    gemini_model: str | None = Field(default=None, description="default: gemini-2.5-flash")
    llm_timeout_seconds: float = Field(
        default=15.0, gt=0, description="one provider's whole answer, at most"
    )
    llm_first_token_timeout_seconds: float = Field(
        default=5.0, gt=0, description="one provider's first streamed token, at most"
    )
    llm_fallback: str = Field(
        default="anthropic,openai,gemini,rules",
        description="comma-separated fallback order; providers without a key are skipped",
    )

    @model_validator(mode="after")
    def _check_hanok_token(self) -> AgentSettings:
        if self.is_local and is_placeholder(self.hanok_token):
            raise ConfigurationError(
                "CONVONET_HANOK_TOKEN must be set in local mode (make run generates one)"
            )
        return self


class ToolsSettings(DatabaseSettings, ToolCallerSettings):
    """The tools server (functions/tools)."""

    tools_host: str = "127.0.0.1"
    tools_port: int = 8091
    tools_allowed_callers: str = Field(
        default="",
        description="production: comma-separated service-account emails allowed to call",
    )
    tools_audience: str = Field(
        default="", description="production: the audience identity tokens must be minted for"
    )
    default_timezone: str = Field(
        default="UTC", description="a user's time zone until they set their own (IANA name)"
    )

    @model_validator(mode="after")
    def _check_production_callers(self) -> ToolsSettings:
        if not self.is_local and not (self.tools_allowed_callers and self.tools_audience):
            raise ConfigurationError(
                "CONVONET_TOOLS_ALLOWED_CALLERS and CONVONET_TOOLS_AUDIENCE must be set in "
                "production: they say whose identity tokens the tools server accepts"
            )
        return self

    def allowed_callers(self) -> frozenset[str]:
        return comma_separated(self.tools_allowed_callers)


class SpeechSettings(CommonSettings):
    """Settings of the stt and tts functions (and the relay's audio limits)."""

    stt_provider: str = Field(default="whisper", description="default STT: whisper | deepgram")
    tts_provider: str = Field(default="piper", description="default TTS: piper | deepgram")
    deepgram_api_key: SecretStr | None = Field(default=None, validation_alias="DEEPGRAM_API_KEY")
    deepgram_base_url: str | None = Field(
        default=None, description="Deepgram API base URL (a local server in tests)"
    )
    provider_timeout_seconds: float = Field(default=8.0, gt=0)
    max_utterance_seconds: float = Field(default=60.0, gt=0)
    audio_bucket: str = Field(
        default="convonet-audio",
        description="the bucket the relay writes utterances to; stt reads no other",
    )
    whisper_trim_encoder: bool = True
    whisper_threads: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _check_deepgram(self) -> SpeechSettings:
        if "deepgram" in (self.stt_provider, self.tts_provider):
            self.require_secrets(DEEPGRAM_API_KEY=self.deepgram_api_key)
        return self


@lru_cache(maxsize=1)
def speech_settings() -> SpeechSettings:
    return SpeechSettings()


@lru_cache(maxsize=1)
def relay_settings() -> RelaySettings:
    return RelaySettings()


@lru_cache(maxsize=1)
def agent_settings() -> AgentSettings:
    return AgentSettings()


@lru_cache(maxsize=1)
def tools_settings() -> ToolsSettings:
    return ToolsSettings()


@lru_cache(maxsize=1)
def common_settings() -> CommonSettings:
    return CommonSettings()
