"""Operator sign-in: who may read the operator API, and as which role.

Production: a Firebase Authentication ID token, verified by firebase-admin (signature, audience,
expiry), whose custom claim ``role`` is ``operator`` or ``supervisor``. Local mode: the operator
name and password ``make run`` prints. Either way the API then issues its own session, a signed
cookie named ``__session`` (the one cookie Firebase Hosting forwards to functions), and a short
live-feed ticket for the stream the browser opens at the function's own URL.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import firebase_admin
from firebase_admin import auth as firebase_auth
from firebase_admin import credentials
from google.auth.credentials import AnonymousCredentials
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Role = Literal["operator", "supervisor"]
ROLES: tuple[Role, ...] = ("operator", "supervisor")
SESSION_COOKIE = "__session"
TICKET_SECONDS = 60


class Operator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    uid: str = Field(min_length=1, max_length=128)
    name: str = Field(max_length=200)
    role: Role


class SignInRefused(Exception):
    """Credentials that do not sign anyone in (401), or a person who is no operator (403)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


WRONG_CREDENTIALS = SignInRefused(401, "sign_in_failed", "Those sign-in details are not right.")


class SignInRequest(BaseModel):
    """Local mode: ``username`` and ``password``; production: ``id_token``."""

    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=500)
    id_token: str | None = Field(default=None, max_length=8192)


class Verifier(Protocol):
    @property
    def mode(self) -> Literal["local", "firebase"]: ...

    async def sign_in(self, request: SignInRequest) -> Operator: ...

    async def bearer(self, token: str) -> Operator | None: ...


@dataclass(frozen=True)
class LocalOperator:
    """The one operator of a local stack."""

    username: str
    password: str
    role: Role
    mode: Literal["local", "firebase"] = "local"

    async def sign_in(self, request: SignInRequest) -> Operator:
        given = (request.username or "", request.password or "")
        name_ok = hmac.compare_digest(given[0].encode(), self.username.encode())
        password_ok = hmac.compare_digest(given[1].encode(), self.password.encode())
        if not (name_ok and password_ok):
            raise WRONG_CREDENTIALS
        return Operator(uid=f"local:{self.username}", name=self.username, role=self.role)

    async def bearer(self, token: str) -> Operator | None:
        return None  # local callers sign in for a session


class _VerifyOnly(credentials.Base):  # type: ignore[misc]  # firebase_admin is untyped
    """No Google credentials: verifying an ID token needs only Google's public certificates,
    so the function holds no Firebase Admin rights at all."""

    def get_credential(self) -> AnonymousCredentials:
        return AnonymousCredentials()  # type: ignore[no-untyped-call]


class FirebaseOperators:
    """Firebase Authentication ID tokens of people given an operator role (a custom claim set
    with the Admin SDK: ``auth.set_custom_user_claims(uid, {"role": "operator"})``)."""

    mode: Literal["local", "firebase"] = "firebase"

    def __init__(self, project_id: str, app_name: str = "convonet-operator"):
        try:
            self.app = firebase_admin.get_app(app_name)
        except ValueError:
            self.app = firebase_admin.initialize_app(
                _VerifyOnly(), options={"projectId": project_id}, name=app_name
            )

    async def sign_in(self, request: SignInRequest) -> Operator:
        if not request.id_token:
            raise WRONG_CREDENTIALS
        return await self._verify(request.id_token)

    async def bearer(self, token: str) -> Operator | None:
        try:
            return await self._verify(token)
        except SignInRefused:
            return None

    async def _verify(self, token: str) -> Operator:
        try:
            claims: dict[str, Any] = await asyncio.to_thread(
                firebase_auth.verify_id_token, token, self.app
            )
        except (ValueError, firebase_auth.InvalidIdTokenError) as exc:
            raise WRONG_CREDENTIALS from exc
        except firebase_admin.exceptions.FirebaseError as exc:
            raise SignInRefused(503, "sign_in_unavailable", "Sign-in is unavailable.") from exc
        return operator_of(claims)


def operator_of(claims: dict[str, Any]) -> Operator:
    role = claims.get("role")
    if role not in ROLES:
        raise SignInRefused(403, "not_an_operator", "This account has no operator role.")
    name = str(claims.get("name") or claims.get("email") or claims["uid"])[:200]
    return Operator(uid=str(claims["uid"]), name=name, role=role)


class SessionTokens:
    """Signed, expiring sessions and live-feed tickets (itsdangerous: HMAC-SHA1 over the
    payload and its timestamp; the two kinds use different salts, so one is never the other)."""

    def __init__(self, key: bytes, session_seconds: int):
        self.session_seconds = session_seconds
        self._sessions = URLSafeTimedSerializer(key, salt="operator-session")
        self._tickets = URLSafeTimedSerializer(key, salt="operator-live-ticket")

    def session(self, operator: Operator) -> str:
        return self._sessions.dumps(operator.model_dump())

    def ticket(self, operator: Operator) -> str:
        return self._tickets.dumps(operator.model_dump())

    def read_session(self, token: str) -> Operator | None:
        return self._read(self._sessions, token, self.session_seconds)

    def read_ticket(self, token: str) -> Operator | None:
        return self._read(self._tickets, token, TICKET_SECONDS)

    @staticmethod
    def _read(serializer: URLSafeTimedSerializer, token: str, max_age: int) -> Operator | None:
        try:
            return Operator.model_validate(serializer.loads(token, max_age=max_age))
        except (BadSignature, ValidationError, TypeError):
            return None
