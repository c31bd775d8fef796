"""Departments a caller can be handed to, and the SIP extension of each, from configuration.

``CONVONET_TRANSFER_DEPARTMENTS`` is JSON: ``{"billing": {"extension": "2002", "description":
"payments and statements"}, ...}`` (or just ``{"billing": "2002"}``). A department the
configuration does not name goes to the default extension (2001), the front desk's humans.
"""

from __future__ import annotations

import json
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import ConfigurationError

Extension = str
EXTENSION_PATTERN = r"^[0-9*#]{2,10}$"


class Department(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    extension: Extension = Field(pattern=EXTENSION_PATTERN)
    description: str = Field(default="", max_length=200)


class TransferSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVONET_TRANSFER_", extra="ignore", frozen=True)

    default_extension: Extension = Field(default="2001", pattern=EXTENSION_PATTERN)
    departments: str = Field(
        default=json.dumps(
            {
                "general": {"extension": "2001", "description": "the front desk's team"},
                "billing": {"extension": "2001", "description": "payments and statements"},
                "mortgage": {"extension": "2001", "description": "loan officers"},
                "member services": {"extension": "2001", "description": "health plan members"},
                "reservations": {"extension": "2001", "description": "Hanok Table bookings"},
            }
        ),
        description="JSON: department name -> extension, or -> {extension, description}",
    )

    @field_validator("departments")
    @classmethod
    def _parses(cls, raw: str) -> str:
        parse_departments(raw)
        return raw

    def directory(self) -> list[Department]:
        return parse_departments(self.departments)


def parse_departments(raw: str) -> list[Department]:
    try:
        loaded = json.loads(raw)
        if not isinstance(loaded, dict) or not loaded:
            raise ValueError("it must be a non-empty JSON object")
        return [
            Department(
                name=name.lower().strip(), **(v if isinstance(v, dict) else {"extension": v})
            )
            for name, v in loaded.items()
        ]
    except (ValueError, TypeError, ValidationError) as exc:
        raise ConfigurationError(f"CONVONET_TRANSFER_DEPARTMENTS cannot be read: {exc}") from None


@lru_cache(maxsize=1)
def transfer_settings() -> TransferSettings:
    return TransferSettings()
