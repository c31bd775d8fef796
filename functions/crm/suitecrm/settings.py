"""``SuiteCrmSettings``: where SuiteCRM is, how to sign in to it, and how long to wait for it."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from shared.settings import CommonSettings, ConfigurationError


class SuiteCrmSettings(CommonSettings):
    suitecrm_url: str = Field(
        default="",
        description="the folder holding SuiteCRM's Api/: https://crm.example.com/legacy for "
        "SuiteCRM 8, the site root for 7 (empty: use the built-in CRM)",
    )
    suitecrm_client_id: str = Field(default="", description="the OAuth2 client's id")
    suitecrm_client_secret: SecretStr | None = Field(
        default=None, description="the OAuth2 client's secret (Secret Manager)"
    )
    suitecrm_username: str = Field(
        default="", description="set: the password grant as this user; empty: client credentials"
    )
    suitecrm_password: SecretStr | None = Field(
        default=None, description="the user's password, with the password grant (Secret Manager)"
    )
    suitecrm_timeout_seconds: float = Field(
        default=8.0,
        gt=0,
        le=30,
        description="one CRM operation, all its requests together, at most (a tool call has 10 s)",
    )

    @property
    def configured(self) -> bool:
        return bool(self.suitecrm_url.strip())

    @property
    def api_root(self) -> str:
        return self.suitecrm_url.strip().rstrip("/")

    @property
    def uses_password_grant(self) -> bool:
        return bool(self.suitecrm_username.strip())

    @model_validator(mode="after")
    def _check_suitecrm(self) -> SuiteCrmSettings:
        if not self.configured:
            return self
        if not self.api_root.startswith(("https://", "http://")):
            raise ConfigurationError("CONVONET_SUITECRM_URL must be an http(s) URL")
        if not self.is_local and not self.api_root.startswith("https://"):
            raise ConfigurationError("CONVONET_SUITECRM_URL must use https in production")
        if not self.suitecrm_client_id.strip():
            raise ConfigurationError("CONVONET_SUITECRM_CLIENT_ID must be set with the URL")
        if self.suitecrm_password is not None and not self.uses_password_grant:
            raise ConfigurationError("CONVONET_SUITECRM_PASSWORD is set without a USERNAME")
        secrets = {"CONVONET_SUITECRM_CLIENT_SECRET": self.suitecrm_client_secret}
        if self.uses_password_grant:
            secrets["CONVONET_SUITECRM_PASSWORD"] = self.suitecrm_password
        self.require_secrets(**secrets)
        return self
