"""Optional Google Calendar sync of calendar events, through the Calendar v3 REST API.

Configured by environment (``GoogleCalendarSettings``); when it is not, nothing is synced. An
access token comes from Google's OAuth2 token endpoint by the refresh-token grant; it is cached
until shortly before it expires, and fetched again once if the API answers 401.

The calls happen inside the calendar tool's database transaction (dispatch.py), so each sync
has one time budget for all its requests: a slow Google holds the transaction for at most
``timeout_seconds``. A sync failure never loses the local event: the tool saves it and reports
``sync_failed``; the detail goes to the log.

Each event's Google id is derived from its row id (``google_id_for``), so a create whose result
was lost (a rollback after Google answered, then a redelivered call) finds its own event there
(409 duplicate) instead of making a second one.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import Field, SecretStr, model_validator

from shared.settings import CommonSettings, ConfigurationError

log = logging.getLogger(__name__)
TOKEN_EXPIRY_MARGIN_SECONDS = 60  # refresh a little early: a token must not expire mid-call
SyncReason = Literal["not_configured", "sync_failed"]


class GoogleCalendarSettings(CommonSettings):
    google_calendar_client_id: str | None = Field(default=None, description="OAuth2 client id")
    google_calendar_client_secret: SecretStr | None = Field(
        default=None, description="OAuth2 client secret (Secret Manager)"
    )
    google_calendar_refresh_token: SecretStr | None = Field(
        default=None, description="OAuth2 refresh token with the calendar scope (Secret Manager)"
    )
    google_calendar_calendar_id: str = Field(
        default="primary", description="the calendar events are written to"
    )
    google_calendar_api_base_url: str = "https://www.googleapis.com/calendar/v3"
    google_calendar_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    google_calendar_timeout_seconds: float = Field(
        default=4.0,
        gt=0,
        le=8,
        description="all of one sync's requests together, at most (a tool call has 10 s)",
    )

    @property
    def configured(self) -> bool:
        return all(_given(v) for v in self._credentials())

    def _credentials(self) -> tuple[str | SecretStr | None, ...]:
        return (
            self.google_calendar_client_id,
            self.google_calendar_client_secret,
            self.google_calendar_refresh_token,
        )

    @model_validator(mode="after")
    def _check_credentials(self) -> GoogleCalendarSettings:
        given = [_given(v) for v in self._credentials()]
        if any(given) and not all(given):
            raise ConfigurationError(
                "Google Calendar sync needs all of CONVONET_GOOGLE_CALENDAR_CLIENT_ID,"
                " _CLIENT_SECRET and _REFRESH_TOKEN, or none of them"
            )
        if all(given):
            self.require_secrets(
                CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET=self.google_calendar_client_secret,
                CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN=self.google_calendar_refresh_token,
            )
        return self


def _given(value: str | SecretStr | None) -> bool:
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return bool(raw and raw.strip())


def google_id_for(event_id: str) -> str:
    """The Google event id of our event: its uuid as 32 hex digits, which Google accepts
    (base32hex characters, 5 to 1024 of them)."""
    return uuid.UUID(event_id).hex


@dataclass(frozen=True)
class GoogleEvent:
    """What Google keeps of one of our events."""

    event_id: str  # our row id
    title: str
    description: str
    location: str
    start: datetime  # aware
    end: datetime
    zone: str  # IANA name

    def body(self) -> dict[str, Any]:
        """The v3 event resource's fields we own (a PATCH replaces exactly these)."""
        return {
            "summary": self.title,
            "description": self.description,
            "location": self.location,
            "start": {"dateTime": self.start.isoformat(), "timeZone": self.zone},
            "end": {"dateTime": self.end.isoformat(), "timeZone": self.zone},
        }


class CalendarSyncError(Exception):
    """Google Calendar did not do what was asked; the message is for the log."""


class _Budget:
    """One deadline for all the requests of one sync."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def timeout(self) -> httpx.Timeout:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CalendarSyncError("out of time before the request could be sent")
        return httpx.Timeout(left)


@dataclass
class _AccessToken:
    value: str
    expires_at: float  # time.monotonic()


class GoogleCalendarClient:
    """Events in one Google calendar, as one OAuth2 client with a refresh token."""

    def __init__(self, settings: GoogleCalendarSettings):
        self.settings = settings
        self._http = httpx.Client()
        self._token: _AccessToken | None = None
        self._token_lock = threading.Lock()
        calendar = quote(settings.google_calendar_calendar_id, safe="")
        self._events_url = (
            f"{settings.google_calendar_api_base_url.rstrip('/')}/calendars/{calendar}/events"
        )

    def insert(self, event: GoogleEvent) -> str:
        """Create the event; return its Google id."""
        budget = _Budget(self.settings.google_calendar_timeout_seconds)
        google_id = google_id_for(event.event_id)
        response = self._call("POST", self._events_url, budget, {"id": google_id, **event.body()})
        if response.status_code == 409:  # made by an earlier attempt whose commit was lost
            self._check(self._call("PATCH", self._url(google_id), budget, event.body()))
            return google_id
        return str(self._check(response).json()["id"])

    def patch(self, google_id: str, event: GoogleEvent) -> None:
        budget = _Budget(self.settings.google_calendar_timeout_seconds)
        self._check(self._call("PATCH", self._url(google_id), budget, event.body()))

    def delete(self, google_id: str) -> None:
        """Delete the event; one that is not there (404) or already deleted (410) is done."""
        budget = _Budget(self.settings.google_calendar_timeout_seconds)
        response = self._call("DELETE", self._url(google_id), budget)
        if response.status_code not in (404, 410):
            self._check(response)

    def close(self) -> None:
        self._http.close()

    def _url(self, google_id: str) -> str:
        return f"{self._events_url}/{quote(google_id, safe='')}"

    def _call(
        self, method: str, url: str, budget: _Budget, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        token = self._access_token(budget)
        response = self._send(method, url, budget, token, body)
        if response.status_code == 401:  # revoked or expired early: one new token, one retry
            token = self._access_token(budget, stale=token)
            response = self._send(method, url, budget, token, body)
        return response

    def _send(
        self, method: str, url: str, budget: _Budget, token: str, body: dict[str, Any] | None
    ) -> httpx.Response:
        try:
            return self._http.request(
                method,
                url,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=budget.timeout(),
            )
        except httpx.HTTPError as exc:
            raise CalendarSyncError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc

    def _access_token(self, budget: _Budget, stale: str | None = None) -> str:
        """The cached access token, or a new one if there is none, it is about to expire, or
        it is the one Google just refused (``stale``)."""
        with self._token_lock:  # one refresh at a time; the others then use its token
            cached = self._token
            if cached and cached.value != stale and time.monotonic() < cached.expires_at:
                return cached.value
            self._token = self._refresh(budget)
            return self._token.value

    def _refresh(self, budget: _Budget) -> _AccessToken:
        s = self.settings
        assert s.google_calendar_client_secret and s.google_calendar_refresh_token
        form = {
            "grant_type": "refresh_token",
            "client_id": s.google_calendar_client_id or "",
            "client_secret": s.google_calendar_client_secret.get_secret_value(),
            "refresh_token": s.google_calendar_refresh_token.get_secret_value(),
        }
        try:
            response = self._http.post(
                s.google_calendar_token_url, data=form, timeout=budget.timeout()
            )
        except httpx.HTTPError as exc:
            raise CalendarSyncError(f"token request: {type(exc).__name__}: {exc}") from exc
        grant = self._check(response).json()
        lifetime = float(grant.get("expires_in", 3600)) - TOKEN_EXPIRY_MARGIN_SECONDS
        return _AccessToken(str(grant["access_token"]), time.monotonic() + max(lifetime, 0.0))

    @staticmethod
    def _check(response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        request = response.request
        raise CalendarSyncError(
            f"{request.method} {request.url.path}: HTTP {response.status_code}: "
            f"{response.text[:300]}"
        )


@lru_cache(maxsize=1)
def calendar_client() -> GoogleCalendarClient | None:
    """The client for the configured calendar, or None when sync is not configured. Cached per
    instance (its access token with it); tests point it elsewhere and call cache_clear()."""
    settings = GoogleCalendarSettings()
    return GoogleCalendarClient(settings) if settings.configured else None


@dataclass(frozen=True)
class SyncOutcome:
    synced: bool
    reason: SyncReason | None = None
    google_event_id: str | None = None
    note: str = ""  # for a failure: what the caller may be told

    def as_dict(self) -> dict[str, Any]:
        if self.synced:
            return {"synced": True}
        if self.reason == "not_configured":
            return {"synced": False, "sync_reason": "not_configured"}
        return {"synced": False, "sync_reason": "sync_failed", "sync_note": self.note}


NOT_CONFIGURED = SyncOutcome(False, "not_configured")


def push(event: GoogleEvent, google_event_id: str | None) -> SyncOutcome:
    """Create the event in Google Calendar, or update it there if it has a Google id."""
    try:
        client = calendar_client()
        if client is None:
            return NOT_CONFIGURED
        if google_event_id is None:
            return SyncOutcome(True, google_event_id=client.insert(event))
        client.patch(google_event_id, event)
        return SyncOutcome(True, google_event_id=google_event_id)
    except Exception as exc:  # whatever Google (or its settings) did, the local event stays
        note = "the event is saved, but Google Calendar could not be updated"
        return _failed("push", event.event_id, exc, note)


def remove(event_id: str, google_event_id: str | None) -> SyncOutcome:
    """Delete the event from Google Calendar. One never recorded as synced is still tried by
    its derived id: a create whose commit was lost may have reached Google."""
    try:
        client = calendar_client()
        if client is None:
            return NOT_CONFIGURED
        client.delete(google_event_id or google_id_for(event_id))
        return SyncOutcome(True)
    except Exception as exc:  # whatever Google (or its settings) did, the local change stays
        note = "the event is deleted, but it could not be removed from Google Calendar"
        return _failed("remove", event_id, exc, note)


def _failed(action: str, event_id: str, exc: Exception, note: str) -> SyncOutcome:
    log.warning(
        "google calendar sync failed",
        extra={
            "event": "calendar_sync_failed",
            "action": action,
            "event_id": event_id,
            "detail": f"{type(exc).__name__}: {exc}",
        },
    )
    return SyncOutcome(False, "sync_failed", note=note)
