"""A local server that speaks enough of Google's OAuth2 token endpoint and the Calendar v3 REST
API for our Google Calendar client to run against it unchanged.

Endpoints:

- ``POST /token``: the refresh-token grant (form-encoded ``grant_type=refresh_token``,
  ``client_id``, ``client_secret``, ``refresh_token``). Answers ``{"access_token", "expires_in",
  "scope", "token_type": "Bearer"}``; a wrong client gets 401 ``invalid_client``, a wrong
  refresh token 400 ``invalid_grant``, as Google does.
- ``POST /calendar/v3/calendars/{calendarId}/events``: events.insert. A client-chosen ``id``
  must be base32hex (``[a-v0-9]``, 5 to 1024 characters); one that exists (or existed) is 409
  ``duplicate``. ``start``/``end`` need ``dateTime`` (RFC 3339) with an offset or a
  ``timeZone``; an end before the start is 400 ``timeRangeEmpty``.
- ``GET``, ``PATCH``, ``DELETE /calendar/v3/calendars/{calendarId}/events/{eventId}``:
  events.get / patch / delete (204). Unknown ids are 404 ``notFound``; a deleted one is 410
  ``deleted`` for patch and delete, and ``status: cancelled`` for get.

Every calendar request needs ``Authorization: Bearer <token>`` with a token this server issued
and has not revoked; otherwise 401 ``authError`` with Google's error body. Per test, set
``fail_status`` (answer every calendar request with that error), ``delay`` (seconds before
answering a calendar request), call ``revoke_tokens()`` (the next call gets 401 and must
refresh), and read ``events(calendar_id)`` (live events) and ``requests``.

    with FakeGoogleCalendar() as fake:
        monkeypatch.setenv("CONVONET_GOOGLE_CALENDAR_API_BASE_URL", fake.base_url) ...
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCOPE = "https://www.googleapis.com/auth/calendar"
TOKEN_LIFETIME_SECONDS = 3599
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_EVENTS = re.compile(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$")
_STATUS_TEXT = {
    400: ("badRequest", "Bad Request"),
    401: ("authError", "Invalid Credentials"),
    403: ("rateLimitExceeded", "Rate Limit Exceeded"),
    404: ("notFound", "Not Found"),
    409: ("duplicate", "The requested identifier already exists."),
    410: ("deleted", "Resource has been deleted"),
    429: ("rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("backendError", "Backend Error"),
    503: ("backendError", "Backend Error"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    json_body: dict[str, Any] | None  # calendar requests; token requests record no secrets
    authorized: bool


class GoogleError(Exception):
    def __init__(self, status: int, message: str = "", reason: str = ""):
        default_reason, default_message = _STATUS_TEXT.get(status, ("error", "Error"))
        super().__init__(message or default_message)
        self.status = status
        self.reason = reason or default_reason
        self.message = message or default_message


class FakeGoogleCalendar:
    """The fake's state and its server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        client_id: str = "test-client.apps.googleusercontent.com",
        client_secret: str = "test-client-secret",  # noqa: S107 - the fake's own test value
        refresh_token: str = "1//test-refresh-token",  # noqa: S107 - the fake's own test value
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.fail_status: int | None = None
        self.delay = 0.0
        self.requests: list[RecordedRequest] = []
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}  # access token -> expiry (time.time())
        self._events: dict[str, dict[str, dict[str, Any]]] = {}  # calendar -> id -> resource
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake Google Calendar server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/calendar/v3"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> FakeGoogleCalendar:
        fake = self

        class Handler(_Handler):
            state = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # a delayed answer must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGoogleCalendar:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # per-test helpers ----------------------------------------------------------------------

    def events(self, calendar_id: str = "primary") -> dict[str, dict[str, Any]]:
        """The live (not deleted) events of a calendar, by id."""
        with self._lock:
            stored = self._events.get(calendar_id, {})
            return {k: dict(v) for k, v in stored.items() if v["status"] != "cancelled"}

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working (as when one expires early)."""
        with self._lock:
            self._tokens.clear()

    def requests_to(self, method: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path != "/token"]

    # what the handler calls ----------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "refresh_token":
            raise GoogleError(400, "unsupported_grant_type", "unsupported_grant_type")
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            raise GoogleError(401, "The OAuth client was not found.", "invalid_client")
        if form.get("refresh_token") != self.refresh_token:
            raise GoogleError(400, "Token has been expired or revoked.", "invalid_grant")
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.time() + TOKEN_LIFETIME_SECONDS
            self.tokens_issued += 1
        return {
            "access_token": token,
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": SCOPE,
            "token_type": "Bearer",
        }

    def token_valid(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token)
        return scheme == "Bearer" and expiry is not None and time.time() < expiry

    def insert(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        event_id = body.get("id") or secrets.token_hex(13)
        if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
            raise GoogleError(400, "Invalid resource id value.", "invalid")
        _check_times(body)
        now = _now()
        resource = {
            "kind": "calendar#event",
            "etag": f'"{time.time_ns()}"',
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": now,
            "updated": now,
            "creator": {"email": "fake@example.test", "self": True},
            "organizer": {"email": "fake@example.test", "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
            **{k: v for k, v in body.items() if k in _WRITABLE},
        }
        with self._lock:
            calendar = self._events.setdefault(calendar_id, {})
            if event_id in calendar:  # deleted ids stay taken, as in Google
                raise GoogleError(409)
            calendar[event_id] = resource
        return dict(resource)

    def get(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._events.get(calendar_id, {}).get(event_id)
            if found is None:
                raise GoogleError(404)
            return dict(found)

    def patch(self, calendar_id: str, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            found = self._events.get(calendar_id, {}).get(event_id)
            if found is None:
                raise GoogleError(404)
            if found["status"] == "cancelled":
                raise GoogleError(410)
            merged = {**found, **{k: v for k, v in body.items() if k in _WRITABLE}}
            _check_times(merged)
            merged["updated"] = _now()
            merged["sequence"] = found["sequence"] + 1
            merged["etag"] = f'"{time.time_ns()}"'
            self._events[calendar_id][event_id] = merged
            return dict(merged)

    def delete(self, calendar_id: str, event_id: str) -> None:
        with self._lock:
            found = self._events.get(calendar_id, {}).get(event_id)
            if found is None:
                raise GoogleError(404)
            if found["status"] == "cancelled":
                raise GoogleError(410)
            found["status"] = "cancelled"


_WRITABLE = {"summary", "description", "location", "start", "end", "colorId", "transparency"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _moment(body: dict[str, Any], which: str) -> datetime:
    value = body.get(which)
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise GoogleError(400, f"Missing {which} time.", "required")
    try:
        moment = datetime.fromisoformat(value["dateTime"])
    except ValueError:
        raise GoogleError(400, f"Invalid {which} time.", "invalid") from None
    zone = value.get("timeZone")
    if zone is not None:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise GoogleError(400, f"Invalid time zone definition for {which} time.") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
    if moment.tzinfo is None:
        raise GoogleError(400, f"Missing time zone definition for {which} time.", "required")
    return moment


def _check_times(body: dict[str, Any]) -> None:
    if _moment(body, "end") < _moment(body, "start"):
        raise GoogleError(400, "The specified time range is empty.", "timeRangeEmpty")


class _Handler(BaseHTTPRequestHandler):
    state: FakeGoogleCalendar
    server_version = "fake-google-calendar/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``requests`` instead of an access log."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if (method, path) == ("POST", "/token"):
                self.state.record(RecordedRequest(method, path, None, True))
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                self._json(200, self.state.issue_token(form))
                return
            self._calendar(method, path, raw)
        except GoogleError as exc:
            self._error(exc, oauth=path == "/token")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer

    def _calendar(self, method: str, path: str, raw: bytes) -> None:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise GoogleError(400, "Parse Error", "parseError") from None
        if body is not None and not isinstance(body, dict):
            raise GoogleError(400, "Parse Error", "parseError")
        authorized = self.state.token_valid(self.headers.get("Authorization", ""))
        self.state.record(RecordedRequest(method, path, body, authorized))
        if self.state.delay > 0:
            time.sleep(self.state.delay)
        if not authorized:
            raise GoogleError(401)
        if self.state.fail_status is not None:
            raise GoogleError(self.state.fail_status)
        match = _EVENTS.match(path)
        if match is None:
            raise GoogleError(404)
        calendar_id, event_id = unquote(match.group(1)), match.group(2)
        if event_id is None and method == "POST":
            self._json(200, self.state.insert(calendar_id, body or {}))
        elif event_id is not None and method == "GET":
            self._json(200, self.state.get(calendar_id, unquote(event_id)))
        elif event_id is not None and method == "PATCH":
            self._json(200, self.state.patch(calendar_id, unquote(event_id), body or {}))
        elif event_id is not None and method == "DELETE":
            self.state.delete(calendar_id, unquote(event_id))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            raise GoogleError(404)

    def _error(self, exc: GoogleError, oauth: bool) -> None:
        if oauth:  # the token endpoint answers in OAuth2's shape, not the API's
            self._json(exc.status, {"error": exc.reason, "error_description": exc.message})
            return
        detail = {"domain": "global", "reason": exc.reason, "message": exc.message}
        if exc.status == 401:
            detail.update(locationType="header", location="Authorization")
        self._json(
            exc.status, {"error": {"errors": [detail], "code": exc.status, "message": exc.message}}
        )

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
