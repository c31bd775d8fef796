"""The CRM service as the clinic tools call it: JSON over HTTP with this service's credential
(locally a configured bearer token; in production an identity token for the CRM's URL)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import httpx
from pydantic import Field, SecretStr

from shared.mcp_server.registry import ToolRefused
from shared.service_auth import IdentityTokenAuth
from shared.settings import CommonSettings

REFUSALS = {"invalid_phone", "patient_not_found", "case_not_found", "invalid_request"}


class CrmClientSettings(CommonSettings):
    crm_url: str = Field(default="http://127.0.0.1:8092", description="the CRM function's URL")
    crm_token: SecretStr | None = Field(default=None, description="local and test credential")
    crm_timeout_seconds: float = Field(default=5.0, gt=0, le=30)


class CrmUnavailable(RuntimeError):
    """The CRM did not answer, or failed on its side: the tool is unavailable, not refused."""


class CrmClient:
    def __init__(self, settings: CrmClientSettings):
        if settings.is_local:
            token = settings.crm_token.get_secret_value() if settings.crm_token else ""
            auth: httpx.Auth | None = None
            headers = {"Authorization": f"Bearer {token}"}
        else:
            auth, headers = IdentityTokenAuth(settings.crm_url), {}
        self.http = httpx.Client(
            base_url=settings.crm_url,
            headers=headers,
            auth=auth,
            timeout=settings.crm_timeout_seconds,
        )

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The CRM's answer; a refusal the caller can hear for a 4xx it explains."""
        try:
            response = self.http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise CrmUnavailable(f"the CRM did not answer {path}") from exc
        answer = response.json() if "json" in response.headers.get("content-type", "") else {}
        if response.is_success:
            return dict(answer)
        if answer.get("error") in REFUSALS:
            raise ToolRefused(str(answer.get("message", "the clinic's records refused that")))
        raise CrmUnavailable(f"the CRM answered {response.status_code} to {path}")


@lru_cache(maxsize=1)
def crm_client() -> CrmClient:
    return CrmClient(CrmClientSettings())
