"""The CRM function's settings (its SuiteCRM settings are in functions/crm/suitecrm/settings.py)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr, model_validator

from shared.settings import ConfigurationError, DatabaseSettings, comma_separated, is_placeholder


class CrmSettings(DatabaseSettings):
    crm_port: int = 8092
    crm_token: SecretStr | None = Field(
        default=None, description="local and test: the bearer credential callers present"
    )
    crm_audience: str = Field(default="", description="production: this service's URL")
    crm_allowed_callers: str = Field(
        default="", description="production: comma-separated service accounts allowed to call"
    )
    phone_region: str = Field(
        default="US", min_length=2, max_length=2, description="region of numbers given without +"
    )

    @model_validator(mode="after")
    def _check_callers(self) -> CrmSettings:
        if self.is_local and is_placeholder(self.crm_token):
            raise ConfigurationError("CONVONET_CRM_TOKEN must be set in local mode")
        if not self.is_local and not self.crm_audience:
            raise ConfigurationError("CONVONET_CRM_AUDIENCE must be set in production")
        return self

    def allowed_callers(self) -> frozenset[str]:
        return comma_separated(self.crm_allowed_callers)


@lru_cache(maxsize=1)
def crm_settings() -> CrmSettings:
    return CrmSettings()
