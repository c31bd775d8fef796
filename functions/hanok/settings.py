"""Hanok Table's settings: who may call it, where its rules are, and Twilio for reminders."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from shared.settings import (
    CallerKeySettings,
    ConfigurationError,
    DatabaseSettings,
    comma_separated,
    is_placeholder,
)

# Local mode only, when TWILIO_AUTH_TOKEN is unset: what signed webhooks are checked against
# (make run prints it, so a developer can sign a request by hand).
LOCAL_TWILIO_AUTH_TOKEN = "convonet-local-twilio-auth-token"  # noqa: S105 - local mode only


class HanokSettings(DatabaseSettings, CallerKeySettings):
    hanok_port: int = 8093
    hanok_token: SecretStr | None = Field(
        default=None, description="local and test: the bearer credential callers present"
    )
    hanok_audience: str = Field(default="", description="production: this service's URL")
    hanok_allowed_callers: str = Field(
        default="", description="production: comma-separated service accounts allowed to call"
    )
    hanok_config: Path | None = Field(
        default=None, description="the restaurant's rules (JSON); the bundled restaurant.json"
    )
    hanok_public_url: str = Field(
        default="http://127.0.0.1:8093",
        description="the base URL Twilio calls (Hosting's), as webhook signatures are computed",
    )
    phone_region: str = Field(default="US", min_length=2, max_length=2)
    twilio_account_sid: str = Field(default="", validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str = Field(default="", validation_alias="TWILIO_FROM_NUMBER")
    twilio_api_base_url: str | None = Field(
        default=None, description="Twilio's REST API base URL (a local server in tests)"
    )
    reminder_channel: Literal["sms", "call"] = "sms"

    @model_validator(mode="after")
    def _check_callers(self) -> HanokSettings:
        if self.is_local and is_placeholder(self.hanok_token):
            raise ConfigurationError("CONVONET_HANOK_TOKEN must be set in local mode")
        if not self.is_local and not self.hanok_audience:
            raise ConfigurationError("CONVONET_HANOK_AUDIENCE must be set in production")
        self.require_secrets(TWILIO_AUTH_TOKEN=self.twilio_auth_token)
        return self

    def allowed_callers(self) -> frozenset[str]:
        return comma_separated(self.hanok_allowed_callers)

    def twilio_token(self) -> str:
        """The auth token webhooks are signed with (a development one in local mode)."""
        if self.twilio_auth_token is None:
            return LOCAL_TWILIO_AUTH_TOKEN
        return self.twilio_auth_token.get_secret_value()

    @property
    def sends_reminders(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_from_number)


@lru_cache(maxsize=1)
def hanok_settings() -> HanokSettings:
    return HanokSettings()
