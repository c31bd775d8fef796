"""Settings of agent_turn's HTTP API (``api.py``): who may call it, and what the provider lists
say is available beyond the language models (whose keys ``AgentSettings`` holds)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator

from shared.settings import CommonSettings, ConfigurationError, comma_separated, is_placeholder


class AgentApiSettings(CommonSettings):
    agent_api_token: SecretStr | None = Field(
        default=None,
        description="local and test: the bearer credential callers present (make run prints it)",
    )
    agent_api_audience: str = Field(default="", description="production: this service's URL")
    agent_api_allowed_callers: str = Field(
        default="", description="production: comma-separated service accounts allowed to call"
    )
    agent_push_invoker: str = Field(
        default="", description="production: the push subscription's service account"
    )
    # The Deepgram key is the speech functions' secret, not this one's: whether it is set is
    # told here (the local stack sets it from DEEPGRAM_API_KEY; Terraform's extra_environment).
    deepgram_available: bool = Field(
        default=False, description="Deepgram speech is configured for the stt and tts functions"
    )
    stt_provider: str = Field(default="whisper", description="the speech functions' default STT")
    tts_provider: str = Field(default="piper", description="the speech functions' default TTS")

    @model_validator(mode="after")
    def _check_callers(self) -> AgentApiSettings:
        if self.is_local and is_placeholder(self.agent_api_token):
            raise ConfigurationError(
                "CONVONET_AGENT_API_TOKEN must be set in local mode (make run generates one)"
            )
        if not self.is_local and not (self.agent_api_audience and self.agent_push_invoker):
            raise ConfigurationError(
                "CONVONET_AGENT_API_AUDIENCE and CONVONET_AGENT_PUSH_INVOKER must be set in "
                "production: they say whose identity tokens agent_turn accepts"
            )
        return self

    def allowed_callers(self) -> frozenset[str]:
        return comma_separated(self.agent_api_allowed_callers)


@lru_cache(maxsize=1)
def agent_api_settings() -> AgentApiSettings:
    return AgentApiSettings()
