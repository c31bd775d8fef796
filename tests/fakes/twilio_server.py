"""A local server that speaks enough of Twilio's REST API (2010-04-01) for the real SDK (9.x) to
use it, and that sends webhooks signed as Twilio signs them.

Endpoints (``{sid}`` is the account sid; JSON answers in Twilio's shapes):

- ``POST /2010-04-01/Accounts/{sid}/Messages.json``: form ``To``, ``From``, ``Body``,
  ``StatusCallback``. Answers 201 with a message resource (``sid`` "SM" + 32 hex, ``status``
  "queued", ``to``, ``from``, ``body``, ``date_created`` RFC 2822, ``uri``, ...).
- ``POST /2010-04-01/Accounts/{sid}/Calls.json``: form ``To``, ``From``, ``Twiml`` or ``Url``,
  ``StatusCallback``. Answers 201 with a call resource (``sid`` "CA" + 32 hex).
- ``GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json`` and ``.../Calls/{CallSid}.json``.

Every request needs HTTP Basic auth with the account sid and auth token, else 401 with Twilio's
error body (``{"code": 20003, "message": "Authenticate", "more_info": ..., "status": 401}``).
A ``To`` that is not E.164, or is in ``invalid_numbers`` (Twilio's magic test number
+15005550001 by default), is 400 code 21211; missing fields get Twilio's codes (21604, 21603,
21602, 21201, 21213, 21205).

Per test: ``fail_next(status, count)`` (the next create requests answer that error),
``hang_next(seconds, count)`` (they answer only after ``seconds``: a timeout for the client),
``requests`` (everything received; the password is never recorded), ``messages`` and ``calls``
(what was created), ``post_status_callback(sid, status, deliver_to=...)`` and
``post_webhook(url, params, deliver_to=...)`` (a webhook signed with
``twilio.request_validator.RequestValidator`` over ``url``, the public URL Twilio calls,
delivered to ``deliver_to``: the app behind the proxy).

    with FakeTwilio() as fake:
        settings = HanokSettings(..., twilio_api_base_url=fake.base_url)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.asgi_server import serving

API_VERSION = "2010-04-01"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
FROM_NUMBER = "+15005550006"  # Twilio's magic "valid From" test number
INVALID_NUMBER = "+15005550001"  # Twilio's magic "invalid To" test number
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ERROR_MESSAGES = {
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    503: (20503, "Service unavailable"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: dict[str, str]  # the first value of each field
    username: str | None  # the Basic auth user (the account sid); the password is not kept
    authorized: bool
    headers: dict[str, str] = field(repr=False)  # lower-case names, without Authorization


class TwilioApiError(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else None
        return JSONResponse(body, self.status, headers=headers)


def http_error(status: int) -> TwilioApiError:
    code, message = _ERROR_MESSAGES.get(status, (20000 + status, "Error"))
    return TwilioApiError(status, code, message)


def twilio_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def sign(auth_token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature for a POST of ``params`` to ``url`` (the SDK's own algorithm)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


@dataclass
class _Faults:
    fail: list[int] = field(default_factory=list)  # statuses for the next create requests
    hang: list[float] = field(default_factory=list)  # seconds the next create requests wait


class FakeTwilio:
    """The fake's state and its server; use as a context manager."""

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        invalid_numbers: frozenset[str] = frozenset({INVALID_NUMBER}),
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.invalid_numbers = invalid_numbers
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, str] = {}  # resource sid -> its StatusCallback URL
        self.base_url = ""
        self._faults = _Faults()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._serving: AbstractContextManager[str] | None = None
        self.app = Starlette(routes=self._routes())

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeTwilio:
        self._released.clear()
        self._serving = serving(self.app)
        self.base_url = self._serving.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._released.set()  # let hanging requests finish so the server can stop
        if self._serving is not None:
            self._serving.__exit__(exc_type, exc, tb)
            self._serving = None

    # --- per-test switches -------------------------------------------------------------------

    def fail_next(self, status: int = 500, count: int = 1) -> None:
        with self._lock:
            self._faults.fail.extend([status] * count)

    def hang_next(self, seconds: float = 30.0, count: int = 1) -> None:
        with self._lock:
            self._faults.hang.extend([seconds] * count)

    def requests_to(self, resource: str) -> list[RecordedRequest]:
        """Requests to one list resource ("Messages" or "Calls")."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(f"/{resource}.json")]

    # --- webhooks Twilio sends ---------------------------------------------------------------

    def post_webhook(
        self, url: str, params: dict[str, str], deliver_to: str | None = None, **headers: str
    ) -> httpx.Response:
        """POST ``params`` signed over ``url``; to ``deliver_to`` + url's path when given (the
        app behind the proxy that received what Twilio sent to the public ``url``)."""
        target = url
        if deliver_to:
            parts = urlsplit(url)
            target = (
                deliver_to.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
            )
        sent_headers = {
            "X-Twilio-Signature": sign(self.auth_token, url, params),
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
            **headers,
        }
        return httpx.post(target, data=params, headers=sent_headers, timeout=10)

    def post_status_callback(
        self, sid: str, status: str, deliver_to: str | None = None, error_code: int | None = None
    ) -> httpx.Response:
        """The status callback Twilio sends for a message or call this fake created."""
        with self._lock:
            resource = self.messages.get(sid) or self.calls.get(sid)
            url = self.callbacks.get(sid)
            if resource is None or url is None:
                raise KeyError(f"no resource {sid} with a StatusCallback")
            resource["status"] = status
        params = self.status_params(resource, status, error_code)
        return self.post_webhook(url, params, deliver_to)

    def status_params(
        self, resource: dict[str, Any], status: str, error_code: int | None = None
    ) -> dict[str, str]:
        common = {
            "AccountSid": self.account_sid,
            "From": resource["from"],
            "To": resource["to"],
            "ApiVersion": API_VERSION,
        }
        if resource["sid"].startswith("CA"):
            call = {"CallSid": resource["sid"], "CallStatus": status, "Direction": "outbound-api"}
            return {**common, **call}
        sid = resource["sid"]
        message = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status}
        params = {**common, **message}
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    def inbound_sms_params(self, from_: str, body: str, to: str = FROM_NUMBER) -> dict[str, str]:
        """What Twilio posts to a number's messaging webhook for an incoming SMS."""
        sid = "SM" + secrets.token_hex(16)
        return {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": API_VERSION,
        }

    # --- the REST API ------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        base = f"/{API_VERSION}/Accounts/{{account}}"
        return [
            Route(f"{base}/Messages.json", self._create_message, methods=["POST"]),
            Route(f"{base}/Calls.json", self._create_call, methods=["POST"]),
            Route(f"{base}/Messages/{{sid}}.json", self._fetch, methods=["GET"]),
            Route(f"{base}/Calls/{{sid}}.json", self._fetch, methods=["GET"]),
        ]

    async def _create_message(self, request: Request) -> Response:
        return await self._handle(request, self._new_message)

    async def _create_call(self, request: Request) -> Response:
        return await self._handle(request, self._new_call)

    async def _fetch(self, request: Request) -> Response:
        def found(_: dict[str, str]) -> dict[str, Any]:
            sid = request.path_params["sid"]
            with self._lock:
                resource = self.messages.get(sid) or self.calls.get(sid)
            if resource is None:
                raise http_error(404)
            return resource

        return await self._handle(request, found, created=False)

    async def _handle(
        self,
        request: Request,
        make: Callable[[dict[str, str]], dict[str, Any]],
        created: bool = True,
    ) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        username, authorized = self._authorization(request)
        self._record(request, form, username, authorized)
        try:
            if created:
                await self._take_fault()
            if not authorized or request.path_params["account"] != self.account_sid:
                raise http_error(401)
            resource = make(form)
        except TwilioApiError as exc:
            return exc.response()
        return JSONResponse(resource, 201 if created else 200)

    def _authorization(self, request: Request) -> tuple[str | None, bool]:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None, False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None, False
        ok = secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token
        )
        return user, ok

    def _record(
        self, request: Request, form: dict[str, str], username: str | None, authorized: bool
    ) -> None:
        headers = {k: v for k, v in request.headers.items() if k != "authorization"}
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.url.path, form, username, authorized, headers
                )
            )

    async def _take_fault(self) -> None:
        with self._lock:
            hang = self._faults.hang.pop(0) if self._faults.hang else None
            fail = self._faults.fail.pop(0) if self._faults.fail else None
        if hang is not None:
            deadline = time.monotonic() + hang
            while time.monotonic() < deadline and not self._released.is_set():
                await asyncio.sleep(0.05)
        if fail is not None:
            raise http_error(fail)

    def _check_to(self, form: dict[str, str], missing: tuple[int, str]) -> str:
        to = form.get("To", "")
        if not to:
            raise TwilioApiError(400, *missing)
        if not _E164.match(to) or to in self.invalid_numbers:
            raise TwilioApiError(400, 21211, f"Invalid 'To' Phone Number: {to}")
        return to

    def _new_message(self, form: dict[str, str]) -> dict[str, Any]:
        to = self._check_to(form, (21604, "A 'To' phone number is required."))
        if not form.get("From"):
            raise TwilioApiError(400, 21603, "A 'From' phone number is required.")
        body = form.get("Body", "")
        if not body:
            raise TwilioApiError(400, 21602, "Message body is required.")
        if len(body) > 1600:
            raise TwilioApiError(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        sid = "SM" + secrets.token_hex(16)
        now = twilio_date(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        message = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(len(body) // 153 + 1 if len(body) > 160 else 1),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
        }
        return self._store(self.messages, message, form)

    def _new_call(self, form: dict[str, str]) -> dict[str, Any]:
        to = self._check_to(form, (21201, "No 'To' number is specified"))
        if not form.get("From"):
            raise TwilioApiError(400, 21213, "No 'From' number is specified")
        if not (form.get("Twiml") or form.get("Url") or form.get("ApplicationSid")):
            raise TwilioApiError(400, 21205, "Url parameter is required.")
        sid = "CA" + secrets.token_hex(16)
        now = twilio_date(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}"
        call = {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": None,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "duration": None,
            "end_time": None,
            "forwarded_from": None,
            "from": form["From"],
            "from_formatted": form["From"],
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": "PN" + secrets.token_hex(16),
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": sid,
            "start_time": None,
            "status": "queued",
            "subresource_uris": {"recordings": f"{uri}/Recordings.json"},
            "to": to,
            "to_formatted": to,
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }
        return self._store(self.calls, call, form)

    def _store(
        self, into: dict[str, dict[str, Any]], resource: dict[str, Any], form: dict[str, str]
    ) -> dict[str, Any]:
        with self._lock:
            into[resource["sid"]] = resource
            if form.get("StatusCallback"):
                self.callbacks[resource["sid"]] = form["StatusCallback"]
        return dict(resource)
