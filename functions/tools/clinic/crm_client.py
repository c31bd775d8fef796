"""The CRM service as the clinic tools call it: JSON over HTTP with this service's credential
(locally a configured bearer token; in production an identity token for the CRM's URL)."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import httpx
from pydantic import Field, SecretStr

from functions.tools.registry import ToolRefused
from shared.settings import CommonSettings

REFUSALS = {"invalid_phone", "patient_not_found", "case_not_found", "invalid_request"}


class CrmClientSettings(CommonSettings):
    crm_url: str = Field(default="http://127.0.0.1:8092", description="the CRM function's URL")
    crm_token: SecretStr | None = Field(default=None, description="local and test credential")
    crm_timeout_seconds: float = Field(default=5.0, gt=0, le=30)


class CrmUnavailable(RuntimeError):
    """The CRM did not answer, or failed on its side: the tool is unavailable, not refused."""


class _IdentityToken(httpx.Auth):
    def __init__(self, audience: str):
        self.audience = audience
        self._token: tuple[str, float] | None = None

    def auth_flow(self, request: httpx.Request) -> Any:
        if self._token is None or self._token[1] < time.time() + 60:
            from google.auth.transport import requests as google_requests
            from google.oauth2 import id_token

            token = id_token.fetch_id_token(  # type: ignore[no-untyped-call]
                google_requests.Request(), self.audience
            )
            self._token = (token, time.time() + 3000)
        request.headers["Authorization"] = f"Bearer {self._token[0]}"
        yield request


class CrmClient:
    def __init__(self, settings: CrmClientSettings):
        if settings.is_local:
            token = settings.crm_token.get_secret_value() if settings.crm_token else ""
            auth: httpx.Auth | None = None
            headers = {"Authorization": f"Bearer {token}"}
        else:
            auth, headers = _IdentityToken(settings.crm_url), {}
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
