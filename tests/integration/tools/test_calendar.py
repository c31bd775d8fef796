"""Calendar event tools against the real PostgreSQL (Google Calendar sync not configured):
effects, result shapes, overlaps, ranges, bad input, other users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from functions.tools.productivity import google_calendar
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration
ZONE = "Europe/Berlin"


@pytest.fixture(autouse=True)
def no_google_calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"):
        monkeypatch.delenv(f"CONVONET_GOOGLE_CALENDAR_{name}", raising=False)
    google_calendar.calendar_client.cache_clear()
    yield
    google_calendar.calendar_client.cache_clear()


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


def _naive(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def test_create_list_update_delete(tools: ToolHarness) -> None:
    ada = tools.user(timezone=ZONE)
    start = _at(2, 10)
    created = tools.call(
        ada,
        "create_event",
        title="dentist",
        start=_naive(start),
        duration_minutes=45,
        location="Harbor Dental",
        description="bring the insurance card",
    )
    event = created["event"]
    assert created["created"] is True and created["overlaps"] == []
    assert created["synced"] is False and created["sync_reason"] == "not_configured"
    assert set(event) == {
        "id",
        "title",
        "description",
        "location",
        "start",
        "end",
        "duration_minutes",
    }
    assert event["start"] == start.isoformat()
    assert event["end"] == (start + timedelta(minutes=45)).isoformat()
    assert event["duration_minutes"] == 45 and event["location"] == "Harbor Dental"

    by_end = tools.call(
        ada,
        "create_event",
        title="team lunch",
        start=_naive(_at(3, 12)),
        end=_naive(_at(3, 13, 30)),
    )["event"]
    assert by_end["duration_minutes"] == 90
    default = tools.call(ada, "create_event", title="call with Sam", start=_naive(_at(4, 16)))
    assert default["event"]["duration_minutes"] == 60

    listed = tools.call(ada, "list_events")
    assert [e["title"] for e in listed["events"]] == ["dentist", "team lunch", "call with Sam"]
    assert datetime.fromisoformat(listed["end"]) - datetime.fromisoformat(listed["start"]) == (
        timedelta(days=7)
    )

    later = _at(5, 9, 15)
    moved = tools.call(ada, "update_event", event="dentist", start=_naive(later))
    assert moved["event"]["start"] == later.isoformat()
    assert moved["event"]["duration_minutes"] == 45  # a move keeps the length
    assert moved["event"]["description"] == "bring the insurance card"
    renamed = tools.call(
        ada, "update_event", event=event["id"], title="dentist check-up", location=""
    )
    assert renamed["event"]["title"] == "dentist check-up" and renamed["event"]["location"] == ""
    assert renamed["event"]["start"] == later.isoformat()
    longer = tools.call(ada, "update_event", event="check-up", duration_minutes=60)
    assert longer["event"]["end"] == (later + timedelta(hours=1)).isoformat()

    deleted = tools.call(ada, "delete_event", event="team lunch")
    assert deleted["deleted"]["title"] == "team lunch" and deleted["synced"] is False
    assert tools.count("productivity.events", ada) == 2


def test_overlaps_are_reported_and_the_event_saved(tools: ToolHarness) -> None:
    ada = tools.user(timezone=ZONE)
    review = tools.call(
        ada,
        "create_event",
        title="quarterly review",
        start=_naive(_at(2, 14)),
        duration_minutes=120,
    )["event"]
    tools.call(ada, "create_event", title="gym", start=_naive(_at(2, 18)))
    clash = tools.call(ada, "create_event", title="call the bank", start=_naive(_at(2, 15, 30)))
    assert [e["title"] for e in clash["overlaps"]] == ["quarterly review"]
    assert clash["overlaps"][0]["id"] == review["id"]
    # Touching ends do not overlap: 16:30-17:30 after a call ending 16:30.
    touching = tools.call(ada, "create_event", title="coffee", start=_naive(_at(2, 16, 30)))
    assert touching["overlaps"] == []
    assert tools.count("productivity.events", ada) == 4

    moved = tools.call(ada, "update_event", event="coffee", start=_naive(_at(2, 17, 45)))
    assert [e["title"] for e in moved["overlaps"]] == ["gym"]
    unmoved = tools.call(ada, "update_event", event="coffee", description="oat milk")
    assert unmoved["overlaps"] == []


def test_list_by_range(tools: ToolHarness) -> None:
    ada = tools.user(timezone=ZONE)
    tools.call(ada, "create_event", title="tomorrow", start=_naive(_at(1, 9)))
    tools.call(ada, "create_event", title="in ten days", start=_naive(_at(10, 9)))
    tools.call(
        ada, "create_event", title="overnight", start=_naive(_at(3, 22)), duration_minutes=240
    )

    def titles(**bounds: Any) -> list[str]:
        return [e["title"] for e in tools.call(ada, "list_events", **bounds)["events"]]

    assert titles() == ["tomorrow", "overnight"]
    assert titles(start=_naive(_at(9, 0)), end=_naive(_at(11, 0))) == ["in ten days"]
    # An event that runs into the range counts.
    assert titles(start=_naive(_at(4, 0)), end=_naive(_at(5, 0))) == ["overnight"]
    assert titles(start=_naive(_at(1, 0)), end=_naive(_at(30, 0)), limit=2) == [
        "tomorrow",
        "overnight",
    ]
    refused = tools.refused(ada, "list_events", start=_naive(_at(3, 0)), end=_naive(_at(2, 0)))
    assert "after its start" in refused["error"]
    too_long = tools.refused(ada, "list_events", start=_naive(_at(1, 0)), end=_naive(_at(400, 0)))
    assert "at most 366 days" in too_long["error"]


def test_bad_input_is_refused_and_writes_nothing(tools: ToolHarness) -> None:
    ada = tools.user(timezone=ZONE)
    soon = _naive(_at(1, 10))
    past = _naive(datetime.now(ZoneInfo(ZONE)) - timedelta(hours=1))
    assert "in the past" in tools.refused(ada, "create_event", title="x", start=past)["error"]
    before = tools.refused(ada, "create_event", title="x", start=soon, end=_naive(_at(1, 9)))
    assert "end must be after the start" in before["error"]
    same = tools.refused(ada, "create_event", title="x", start=soon, end=soon)
    assert "end must be after the start" in same["error"]
    both = tools.refused(
        ada, "create_event", title="x", start=soon, end=_naive(_at(1, 11)), duration_minutes=30
    )
    assert "not both" in both["error"]
    too_long = tools.refused(ada, "create_event", title="x", start=soon, duration_minutes=20_000)
    assert too_long["reason"] == "invalid_arguments" and "duration_minutes" in too_long["error"]
    week = tools.refused(ada, "create_event", title="x", start=soon, end=_naive(_at(9, 10)))
    assert "at most 7 days" in week["error"]
    assert "start" in tools.refused(ada, "create_event", title="x")["error"]
    assert (
        "needs some words" in tools.refused(ada, "create_event", title="\x00", start=soon)["error"]
    )
    assert (
        "no such argument"
        in tools.refused(ada, "create_event", title="x", start=soon, attendees=["bob"])["error"]
    )
    assert tools.count("productivity.events", ada) == 0

    tools.call(ada, "create_event", title="standup", start=soon)
    moved = tools.refused(ada, "update_event", event="standup", start=past)
    assert "in the past" in moved["error"]
    shrunk = tools.refused(ada, "update_event", event="standup", end=_naive(_at(1, 9)))
    assert "end must be after the start" in shrunk["error"]
    assert "no event matches" in tools.refused(ada, "delete_event", event="retro")["error"]
    assert (
        "no event matches" in tools.refused(ada, "delete_event", event=str(uuid.uuid4()))["error"]
    )
    assert tools.call(ada, "list_events")["events"][0]["start"] == _at(1, 10).isoformat()


def test_another_users_events_are_out_of_reach(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada", timezone=ZONE), tools.user("Bob", timezone=ZONE)
    secret = tools.call(bob, "create_event", title="interview at Initech", start=_naive(_at(2, 11)))
    event = secret["event"]
    assert tools.call(ada, "list_events", end=_naive(_at(30, 0)))["events"] == []
    mine = tools.call(ada, "create_event", title="haircut", start=_naive(_at(2, 11)))
    assert mine["overlaps"] == []  # Bob's event is not Ada's conflict
    for ref in (event["id"], "interview at Initech"):
        assert tools.refused(ada, "delete_event", event=ref)["reason"] == "refused"
        assert tools.refused(ada, "update_event", event=ref, title="mine")["reason"] == "refused"
    assert tools.call(bob, "list_events")["events"] == [event]
    assert tools.refused(ada, "create_event", title="x", start=_naive(_at(1, 9)), user_id=bob)
    assert tools.count("productivity.events", bob) == 1
