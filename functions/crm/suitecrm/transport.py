"""Authenticated HTTP to one SuiteCRM.

``Transport`` sends a request with a cached OAuth2 access token, fetches a new token once when
SuiteCRM answers 401 and retries the request once with it. ``Budget`` is the one deadline all
the requests of one operation share. SuiteCRM's refusals, timeouts and lost connections become
``CrmError``: ``crm_unavailable`` for 5xx, 429, a timeout or no connection, ``crm_rejected``
for any other refusal.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, Field, SecretStr

from functions.crm.backend import CrmError
from functions.crm.suitecrm.settings import SuiteCrmSettings
from functions.crm.suitecrm.wire import MEDIA_TYPE, parse

log = logging.getLogger(__package__)  # the package's logger, as before it was split

TOKEN_EXPIRY_MARGIN_SECONDS = 30  # fetch a new token a little early: it must not expire mid-call


class Budget:
    """One deadline for all the requests of one operation."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def timeout(self) -> httpx.Timeout:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CrmError("crm_unavailable", "SuiteCRM did not answer in time")
        return httpx.Timeout(left)


class _Grant(BaseModel):
    access_token: str = Field(min_length=1)
    expires_in: float = 3600.0


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # time.monotonic()


class Transport:
    """Authenticated requests to one SuiteCRM, with SuiteCRM's answers mapped to CrmErrors."""

    def __init__(self, settings: SuiteCrmSettings, http: httpx.Client):
        self.settings = settings
        self.http = http
        self.root = settings.api_root
        self._token: _Token | None = None
        self._token_lock = threading.Lock()

    def request(
        self,
        budget: Budget,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        token = self._access_token(budget)
        response = self._send(budget, method, path, token, params, body)
        if response.status_code == 401:  # expired or revoked early: one new token, one retry
            token = self._access_token(budget, stale=token)
            response = self._send(budget, method, path, token, params, body)
        _check(response)
        return response

    def _send(
        self,
        budget: Budget,
        method: str,
        path: str,
        token: str,
        params: Mapping[str, str] | None,
        body: dict[str, Any] | None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": MEDIA_TYPE}
        if body is not None:
            headers["Content-Type"] = MEDIA_TYPE
        return _exchange(
            lambda timeout: self.http.request(
                method,
                self.root + path,
                params=params,
                content=None if body is None else json.dumps(body),
                headers=headers,
                timeout=timeout,
            ),
            budget,
        )

    def _access_token(self, budget: Budget, stale: str | None = None) -> str:
        """The cached token, or a new one when there is none, it is about to expire, or it is
        the one SuiteCRM just refused (``stale``)."""
        with self._token_lock:  # one fetch at a time; the others then use its token
            cached = self._token
            if cached and cached.value != stale and time.monotonic() < cached.expires_at:
                return cached.value
            self._token = self._fetch_token(budget)
            return self._token.value

    def _fetch_token(self, budget: Budget) -> _Token:
        response = _exchange(
            lambda timeout: self.http.post(
                self.root + "/Api/access_token",
                data=self._grant_form(),
                headers={"Accept": "application/json"},
                timeout=timeout,
            ),
            budget,
        )
        _check(response)
        grant = parse(_Grant, response)
        lifetime = max(grant.expires_in - TOKEN_EXPIRY_MARGIN_SECONDS, 0.0)
        return _Token(grant.access_token, time.monotonic() + lifetime)

    def _grant_form(self) -> dict[str, str]:
        s = self.settings
        form = {
            "grant_type": "client_credentials",
            "client_id": s.suitecrm_client_id,
            "client_secret": _reveal(s.suitecrm_client_secret),
        }
        if s.uses_password_grant:
            form.update(
                grant_type="password",
                username=s.suitecrm_username,
                password=_reveal(s.suitecrm_password),
            )
        return form


def _reveal(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""


def _exchange(send: Callable[[httpx.Timeout], httpx.Response], budget: Budget) -> httpx.Response:
    """One HTTP exchange within the budget; no answer in time or no connection: unavailable."""
    try:
        response = send(budget.timeout())
    except httpx.TimeoutException as exc:
        raise CrmError("crm_unavailable", "SuiteCRM did not answer in time") from exc
    except httpx.HTTPError as exc:
        raise CrmError("crm_unavailable", "SuiteCRM could not be reached") from exc
    return response


def _check(response: httpx.Response) -> None:
    if response.is_success:
        return
    status = response.status_code
    log.warning(
        "SuiteCRM refused a request",
        extra={
            "method": response.request.method,
            "path": response.request.url.path,
            "status": status,
            "detail": response.text[:300],
        },
    )
    if status >= 500 or status == 429:
        raise CrmError("crm_unavailable", f"SuiteCRM could not do it now (HTTP {status})")
    raise CrmError("crm_rejected", f"SuiteCRM refused the request (HTTP {status})")
