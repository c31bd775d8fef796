"""SuiteCRM's JSON:API documents as the V8 API sends them, and reading an answer into one."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from functions.crm.backend import CrmError

MEDIA_TYPE = "application/vnd.api+json"


class Resource(BaseModel):
    """One record as the V8 API gives it: ``{"type", "id", "attributes", ...}``."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    type: str
    id: str = Field(min_length=1)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _php_empty_array(cls, value: Any) -> Any:
        return {} if value == [] else value  # PHP encodes an empty map as []

    def text(self, name: str) -> str:
        value = self.attributes.get(name)
        return "" if value is None else str(value).strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None


class One(BaseModel):
    data: Resource


class Many(BaseModel):
    data: list[Resource] = Field(default_factory=list)


Doc = TypeVar("Doc", bound=BaseModel)


def parse(model: type[Doc], response: httpx.Response) -> Doc:
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:
        raise CrmError("crm_unavailable", "SuiteCRM gave an answer that cannot be read") from exc
