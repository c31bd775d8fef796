"""Reminder tools against the real PostgreSQL: effects, result shapes, time zones, bad input,
other users."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration
CHICAGO = "America/Chicago"


def _local(days: int, hour: int = 10, zone: str = CHICAGO) -> datetime:
    """A wall-clock time `days` from now in `zone`, as an aware datetime."""
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(zone))


def _naive(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def test_create_list_update_delete(tools: ToolHarness) -> None:
    ada = tools.user(timezone=CHICAGO)
    when = _local(2, 9)
    created = tools.call(
        ada, "create_reminder", text="call the plumber", remind_at=_naive(when), importance="high"
    )
    assert created["created"] is True
    reminder = created["reminder"]
    assert set(reminder) == {"id", "text", "remind_at", "importance", "done"}
    assert reminder["text"] == "call the plumber" and reminder["importance"] == "high"
    # A naive time is the user's wall clock, and the result carries their offset.
    assert datetime.fromisoformat(reminder["remind_at"]) == when
    assert reminder["remind_at"] == when.isoformat()
    assert reminder["done"] is False

    tools.call(ada, "create_reminder", text="water the plants", remind_at=_naive(_local(1)))
    listed = tools.call(ada, "list_reminders")["reminders"]
    assert [r["text"] for r in listed] == ["water the plants", "call the plumber"]

    updated = tools.call(
        ada, "update_reminder", reminder="plumber", text="call the plumber back", importance="low"
    )["reminder"]
    assert updated["text"] == "call the plumber back" and updated["importance"] == "low"
    assert updated["remind_at"] == when.isoformat()
    later = _local(4, 16)
    moved = tools.call(ada, "update_reminder", reminder=reminder["id"], remind_at=_naive(later))
    assert moved["reminder"]["remind_at"] == later.isoformat()

    deleted = tools.call(ada, "delete_reminder", reminder="plants")["deleted"]
    assert deleted["text"] == "water the plants"
    assert [r["text"] for r in tools.call(ada, "list_reminders")["reminders"]] == [
        "call the plumber back"
    ]
    assert tools.count("productivity.reminders", ada) == 1


def test_an_aware_time_is_shown_in_the_users_zone(tools: ToolHarness) -> None:
    ada = tools.user(timezone="Asia/Tokyo")
    utc = (datetime.now(UTC) + timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    reminder = tools.call(
        ada,
        "create_reminder",
        text="renew passport",
        remind_at=utc.isoformat().replace("+00:00", "Z"),
    )["reminder"]
    assert reminder["remind_at"].endswith("+09:00")
    assert datetime.fromisoformat(reminder["remind_at"]) == utc


def test_list_filters(tools: ToolHarness) -> None:
    ada = tools.user(timezone=CHICAGO)
    tools.call(ada, "create_reminder", text="book flights", remind_at=_naive(_local(1)))
    tools.call(
        ada, "create_reminder", text="pay rent", remind_at=_naive(_local(5)), importance="high"
    )
    done = tools.call(ada, "create_reminder", text="send card", remind_at=_naive(_local(2)))
    tools.call(ada, "update_reminder", reminder=done["reminder"]["id"], done=True)
    past_id = str(uuid.uuid4())
    tools.db.execute(  # a reminder whose time has passed (no tool can create one)
        "INSERT INTO productivity.reminders (id, user_id, text, remind_at)"
        " VALUES (:id, :u, 'old news', now() - interval '1 day')",
        id=past_id,
        u=ada,
    )

    def texts(**filters: Any) -> list[str]:
        return [r["text"] for r in tools.call(ada, "list_reminders", **filters)["reminders"]]

    assert texts() == ["book flights", "pay rent"]
    assert texts(include_done=True) == ["book flights", "send card", "pay rent"]
    assert texts(include_past=True) == ["old news", "book flights", "pay rent"]
    assert texts(importance="high") == ["pay rent"]
    assert texts(before=_naive(_local(3))) == ["book flights"]
    assert texts(limit=1) == ["book flights"]
    reopened = tools.call(ada, "update_reminder", reminder="send card", done=False)
    assert reopened["reminder"]["done"] is False
    assert "send card" in texts()


def test_bad_input_is_refused_and_writes_nothing(tools: ToolHarness) -> None:
    ada = tools.user(timezone=CHICAGO)
    past = _naive(datetime.now(ZoneInfo(CHICAGO)) - timedelta(minutes=5))
    assert "in the past" in tools.refused(ada, "create_reminder", text="x", remind_at=past)["error"]
    assert "remind_at" in tools.refused(ada, "create_reminder", text="x")["error"]
    soon = _naive(_local(1))
    bad = tools.refused(ada, "create_reminder", text="x", remind_at=soon, importance="urgent")
    assert bad["reason"] == "invalid_arguments" and "importance" in bad["error"]
    assert (
        "remind_at" in tools.refused(ada, "create_reminder", text="x", remind_at="soonish")["error"]
    )
    assert (
        "needs some words"
        in tools.refused(ada, "create_reminder", text="\x00 \x01", remind_at=soon)["error"]
    )
    assert (
        "too long" in tools.refused(ada, "create_reminder", text="x" * 600, remind_at=soon)["error"]
    )
    assert "limit" in tools.refused(ada, "list_reminders", limit=0)["error"]
    assert tools.count("productivity.reminders", ada) == 0

    tools.call(ada, "create_reminder", text="stretch", remind_at=soon)
    refused = tools.refused(ada, "update_reminder", reminder="stretch", remind_at=past)
    assert "in the past" in refused["error"]
    assert "no reminder matches" in tools.refused(ada, "delete_reminder", reminder="yoga")["error"]
    assert (
        "no reminder matches"
        in tools.refused(ada, "delete_reminder", reminder=str(uuid.uuid4()))["error"]
    )
    assert tools.call(ada, "list_reminders")["reminders"][0]["remind_at"] == _local(1).isoformat()


def test_a_model_cannot_name_the_user(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    when = _naive(_local(1, zone="UTC"))
    result = tools.refused(ada, "create_reminder", text="x", remind_at=when, user_id=bob)
    assert result["reason"] == "invalid_arguments" and "no such argument" in result["error"]
    assert tools.count("productivity.reminders", bob) == 0


def test_another_users_reminders_are_out_of_reach(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    when = _naive(_local(1, zone="UTC"))
    secret = tools.call(bob, "create_reminder", text="buy Ada's present", remind_at=when)[
        "reminder"
    ]
    assert (
        tools.call(ada, "list_reminders", include_past=True, include_done=True)["reminders"] == []
    )
    for ref in (secret["id"], "Ada's present"):
        assert tools.refused(ada, "delete_reminder", reminder=ref)["reason"] == "refused"
        assert tools.refused(ada, "update_reminder", reminder=ref, done=True)["reason"] == "refused"
    mine = tools.call(bob, "list_reminders")["reminders"]
    assert mine == [secret]
