"""Calendar tools with Google Calendar sync, against the real PostgreSQL and a local server that
speaks Google's OAuth2 token endpoint and Calendar v3 REST API (tests/fakes)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from functions.tools.productivity import google_calendar
from tests.fakes.google_calendar_server import FakeGoogleCalendar
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration
ZONE = "America/New_York"
CALENDAR = "team@group.calendar.google.com"  # not "primary": the id must be quoted in the path


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogleCalendar]:
    with FakeGoogleCalendar() as fake:
        env = {
            "CLIENT_ID": fake.client_id,
            "CLIENT_SECRET": fake.client_secret,
            "REFRESH_TOKEN": fake.refresh_token,
            "CALENDAR_ID": CALENDAR,
            "API_BASE_URL": fake.base_url,
            "TOKEN_URL": fake.token_url,
        }
        for name, value in env.items():
            monkeypatch.setenv(f"CONVONET_GOOGLE_CALENDAR_{name}", value)
        google_calendar.calendar_client.cache_clear()
        yield fake
    google_calendar.calendar_client.cache_clear()


def _at(days: int, hour: int, minute: int = 0) -> str:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute).isoformat(timespec="minutes")


def _google_id(tools: ToolHarness, event_id: str) -> str | None:
    row = tools.db.fetch_one(
        "SELECT google_event_id FROM productivity.events WHERE id = :id", id=event_id
    )
    assert row is not None
    return row["google_event_id"]  # type: ignore[no-any-return]


def _create(tools: ToolHarness, user: str, **args: Any) -> dict[str, Any]:
    return tools.call(
        user, "create_event", **{"title": "board meeting", "start": _at(2, 10), **args}
    )


def test_a_created_event_is_in_google_with_the_v3_shape(
    tools: ToolHarness, google: FakeGoogleCalendar
) -> None:
    ada = tools.user(timezone=ZONE)
    created = _create(tools, ada, duration_minutes=90, location="Room 4", description="agenda")
    assert created["synced"] is True and "sync_reason" not in created
    event = created["event"]
    google_id = uuid.UUID(event["id"]).hex
    assert _google_id(tools, event["id"]) == google_id

    stored = google.events(CALENDAR)[google_id]
    assert stored["summary"] == "board meeting"
    assert stored["location"] == "Room 4" and stored["description"] == "agenda"
    assert stored["start"] == {"dateTime": event["start"], "timeZone": ZONE}
    assert stored["end"] == {"dateTime": event["end"], "timeZone": ZONE}
    assert datetime.fromisoformat(stored["start"]["dateTime"]).utcoffset() is not None

    [insert] = google.requests_to("POST")
    assert (
        insert.authorized
        and insert.path == "/calendar/v3/calendars/team%40group.calendar.google.com/events"
    )
    assert insert.json_body is not None and insert.json_body["id"] == google_id
    assert google.tokens_issued == 1
    _create(tools, ada, title="second", start=_at(3, 10))
    assert google.tokens_issued == 1  # the access token is cached until it expires


def test_updates_and_deletes_propagate(tools: ToolHarness, google: FakeGoogleCalendar) -> None:
    ada = tools.user(timezone=ZONE)
    event = _create(tools, ada)["event"]
    google_id = uuid.UUID(event["id"]).hex

    moved = tools.call(ada, "update_event", event="board", start=_at(4, 15), location="Annex")
    assert moved["synced"] is True
    stored = google.events(CALENDAR)[google_id]
    assert stored["start"]["dateTime"] == moved["event"]["start"]
    assert stored["end"]["dateTime"] == moved["event"]["end"]
    assert stored["location"] == "Annex" and stored["summary"] == "board meeting"
    assert stored["sequence"] == 1
    assert [r.path.rsplit("/", 1)[-1] for r in google.requests_to("PATCH")] == [google_id]

    deleted = tools.call(ada, "delete_event", event=event["id"])
    assert deleted["synced"] is True
    assert google.events(CALENDAR) == {}
    assert tools.count("productivity.events", ada) == 0


def test_a_refused_token_is_refreshed_once(tools: ToolHarness, google: FakeGoogleCalendar) -> None:
    ada = tools.user(timezone=ZONE)
    _create(tools, ada)
    google.revoke_tokens()  # the cached token now gets 401
    second = _create(tools, ada, title="offsite", start=_at(5, 9))
    assert second["synced"] is True
    assert google.tokens_issued == 2
    posts = google.requests_to("POST")
    assert [r.authorized for r in posts] == [True, False, True]
    assert len(google.events(CALENDAR)) == 2


def test_a_sync_failure_keeps_the_local_event(
    tools: ToolHarness, google: FakeGoogleCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    ada = tools.user(timezone=ZONE)
    google.fail_status = 503
    created = _create(tools, ada)
    assert created["synced"] is False and created["sync_reason"] == "sync_failed"
    assert "saved" in created["sync_note"]
    assert _google_id(tools, created["event"]["id"]) is None
    assert [e["title"] for e in tools.call(ada, "list_events")["events"]] == ["board meeting"]
    assert any(getattr(r, "event", None) == "calendar_sync_failed" for r in caplog.records)
    assert google.events(CALENDAR) == {}

    google.fail_status = None  # the next change of the event brings Google up to date
    updated = tools.call(ada, "update_event", event="board", title="board meeting (moved)")
    assert updated["synced"] is True
    google_id = uuid.UUID(created["event"]["id"]).hex
    assert _google_id(tools, created["event"]["id"]) == google_id
    assert google.events(CALENDAR)[google_id]["summary"] == "board meeting (moved)"

    google.fail_status = 500
    deleted = tools.call(ada, "delete_event", event="board")
    assert deleted["synced"] is False and deleted["sync_reason"] == "sync_failed"
    assert "deleted" in deleted["sync_note"]
    assert tools.count("productivity.events", ada) == 0


def test_a_slow_google_is_cut_off_by_the_time_budget(
    tools: ToolHarness, google: FakeGoogleCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVONET_GOOGLE_CALENDAR_TIMEOUT_SECONDS", "0.3")
    google_calendar.calendar_client.cache_clear()
    ada = tools.user(timezone=ZONE)
    google.delay = 2.0
    started = time.monotonic()
    created = _create(tools, ada)
    assert time.monotonic() - started < 1.5
    assert created["synced"] is False and created["sync_reason"] == "sync_failed"
    assert tools.count("productivity.events", ada) == 1


def test_a_create_whose_commit_was_lost_is_not_duplicated_in_google(
    tools: ToolHarness, google: FakeGoogleCalendar
) -> None:
    ada = tools.user(timezone=ZONE)
    key = "turn-7:create_event:1"
    # A first attempt reached Google, then its transaction rolled back: Google has the event
    # under the id the redelivered call derives again.
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"convonet:{ada}:{key}"))
    client = google_calendar.calendar_client()
    assert client is not None
    start = datetime.fromisoformat(_at(2, 10)).replace(tzinfo=ZoneInfo(ZONE))
    client.insert(
        google_calendar.GoogleEvent(
            event_id, "board", "", "", start, start + timedelta(hours=1), ZONE
        )
    )
    created = tools.call(ada, "create_event", key=key, title="board meeting", start=_at(2, 10))
    assert created["synced"] is True and created["event"]["id"] == event_id
    stored = google.events(CALENDAR)
    assert list(stored) == [uuid.UUID(event_id).hex]
    assert stored[uuid.UUID(event_id).hex]["summary"] == "board meeting"


def test_half_configured_sync_fails_without_losing_the_event(
    tools: ToolHarness, google: FakeGoogleCalendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN")
    google_calendar.calendar_client.cache_clear()
    ada = tools.user(timezone=ZONE)
    created = _create(tools, ada)
    assert created["synced"] is False and created["sync_reason"] == "sync_failed"
    assert tools.count("productivity.events", ada) == 1
    assert google.requests == []


def test_another_users_event_is_not_synced_from_my_calls(
    tools: ToolHarness, google: FakeGoogleCalendar
) -> None:
    ada, bob = tools.user("Ada", timezone=ZONE), tools.user("Bob", timezone=ZONE)
    bobs = _create(tools, bob, title="job interview")["event"]
    assert tools.refused(ada, "delete_event", event=bobs["id"])["reason"] == "refused"
    assert tools.refused(ada, "update_event", event="interview", title="x")["reason"] == "refused"
    assert google.requests_to("PATCH") == [] and google.requests_to("DELETE") == []
    assert google.events(CALENDAR)[uuid.UUID(bobs["id"]).hex]["summary"] == "job interview"
