"""The operator API's settings: how operators sign in, the session key, the live feed's URL."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator

from shared.settings import ConfigurationError, DatabaseSettings, is_placeholder

# Local mode only, when unset: the operator that `make run` prints.
LOCAL_OPERATOR_USERNAME = "operator"
LOCAL_OPERATOR_PASSWORD = "convonet-local-operator"  # noqa: S105 - local mode only
LOCAL_SESSION_KEY = "convonet-local-operator-session-key"


class OperatorSettings(DatabaseSettings):
    operator_port: int = 8095
    operator_session_key: SecretStr | None = Field(
        default=None, description="signs operator sessions and live-feed tickets (Secret Manager)"
    )
    operator_session_hours: float = Field(default=8.0, gt=0, le=24)
    operator_username: str = Field(
        default=LOCAL_OPERATOR_USERNAME, description="local mode: the operator's sign-in name"
    )
    operator_password: SecretStr | None = Field(
        default=None, description="local mode: the operator's password (make run prints it)"
    )
    operator_role: str = Field(
        default="supervisor", description="local mode: the local operator's role"
    )
    firebase_project_id: str = Field(
        default="", description="production: the Firebase project whose ID tokens are taken"
    )
    operator_live_url: str = Field(
        default="",
        description="the live feed's base URL as browsers reach it (the function's own URL: "
        "Firebase Hosting buffers streamed answers); empty: the request's own origin",
    )
    operator_allowed_origins: str = Field(
        default="", description="comma-separated page origins allowed to open the live feed"
    )
    operator_feed_seconds: float = Field(
        default=240.0, gt=0, description="a live feed ends by then, under the function's timeout"
    )
    operator_sign_in_limit: int = Field(default=10, ge=1, description="failed sign-ins per window")
    operator_sign_in_window_seconds: int = Field(default=900, ge=1)

    @model_validator(mode="after")
    def _check_operator(self) -> OperatorSettings:
        self.require_secrets(CONVONET_OPERATOR_SESSION_KEY=self.operator_session_key)
        if not self.is_local and not self.firebase_project_id:
            raise ConfigurationError("CONVONET_FIREBASE_PROJECT_ID must be set in production")
        if self.operator_role not in ("operator", "supervisor"):
            raise ConfigurationError("CONVONET_OPERATOR_ROLE must be operator or supervisor")
        return self

    def session_key(self) -> bytes:
        if is_placeholder(self.operator_session_key):
            return LOCAL_SESSION_KEY.encode()
        assert self.operator_session_key is not None
        return self.operator_session_key.get_secret_value().encode()

    def local_password(self) -> str:
        if self.operator_password is None:
            return LOCAL_OPERATOR_PASSWORD
        return self.operator_password.get_secret_value()


@lru_cache(maxsize=1)
def operator_settings() -> OperatorSettings:
    return OperatorSettings()
