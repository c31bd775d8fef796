"""Who may call an internal HTTP service (the tools server, the CRM). An unauthenticated request
gets 401 and runs nothing.

Production: an identity token of the calling service's account (Cloud Run's invoker check runs
first; this checks the token's audience and that its account is one we expect). Local and test:
a bearer credential from configuration.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Generator
from typing import Protocol

import httpx


class CallerCheck(Protocol):
    def principal(self, authorization: str | None) -> str | None:
        """The caller's identity, or None: not allowed."""


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class SharedCredential:
    def __init__(self, credential: str):
        self._credential = credential.encode()

    def principal(self, authorization: str | None) -> str | None:
        token = _bearer(authorization)
        if token is None or not hmac.compare_digest(token.encode(), self._credential):
            return None
        return "local-caller"


class IdentityToken:
    """Google-signed identity tokens, verified once and remembered until they expire."""

    def __init__(self, audience: str, allowed: frozenset[str]):
        self.audience = audience
        self.allowed = allowed
        self._verified: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def principal(self, authorization: str | None) -> str | None:
        token = _bearer(authorization)
        if token is None:
            return None
        with self._lock:
            known = self._verified.get(token)
        if known and known[1] > time.time():
            return known[0]
        from google.auth.transport import requests as google_requests
        from google.oauth2 import id_token

        try:
            claims = id_token.verify_oauth2_token(  # type: ignore[no-untyped-call]
                token, google_requests.Request(), self.audience
            )
        except ValueError:
            return None
        email = claims.get("email")
        if not claims.get("email_verified") or email not in self.allowed:
            return None
        with self._lock:
            if len(self._verified) > 1000:
                self._verified.clear()
            self._verified[token] = (email, float(claims["exp"]))
        return str(email)


def caller_check(
    is_local: bool, credential: str | None, audience: str, allowed: frozenset[str]
) -> CallerCheck:
    """Local and test: the configured credential; production: identity tokens."""
    if is_local:
        if not credential:
            raise ValueError("a local service needs its bearer credential configured")
        return SharedCredential(credential)
    return IdentityToken(audience, allowed)


class IdentityTokenAuth(httpx.Auth):
    """The calling side, in production: an identity token of this service's account, minted for
    the service called (its URL) and renewed before it expires."""

    def __init__(self, audience: str):
        self.audience = audience
        self._token: tuple[str, float] | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None or self._token[1] < time.time() + 60:
            from google.auth.transport import requests as google_requests
            from google.oauth2 import id_token

            token = id_token.fetch_id_token(  # type: ignore[no-untyped-call]
                google_requests.Request(), self.audience
            )
            self._token = (token, time.time() + 3000)  # identity tokens live an hour
        request.headers["Authorization"] = f"Bearer {self._token[0]}"
        yield request
