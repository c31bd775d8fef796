"""The productivity demo seed: realistic data the tools see, and seeding twice adds nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from functions.tools.productivity import demo
from tests.tool_harness import PEPPER, ToolHarness

pytestmark = pytest.mark.integration
ZONE = "America/Los_Angeles"
TABLES = (
    "productivity.todos",
    "productivity.reminders",
    "productivity.events",
    "productivity.teams",
    "productivity.team_members",
    "productivity.team_todos",
    "identity.users",
)


def _counts(tools: ToolHarness) -> dict[str, int]:
    counts = {}
    for table in TABLES:  # the test's own table names
        row = tools.db.fetch_one(f"SELECT count(*) AS n FROM {table}")  # noqa: S608
        counts[table] = int(row["n"]) if row else 0
    return counts


def test_seeding_twice_adds_nothing_and_the_tools_see_it(tools: ToolHarness) -> None:
    user = tools.user("Demo User", timezone=ZONE)
    today = datetime.now(ZoneInfo(ZONE)).date()
    demo.seed(tools.db, user, today, pepper=PEPPER)
    first = _counts(tools)
    demo.seed(tools.db, user, today, pepper=PEPPER)
    assert _counts(tools) == first
    assert first["identity.users"] == 2  # the demo user and their teammate

    todos = tools.call(user, "list_todos")["todos"]
    assert [t["title"] for t in todos] == [t.title for t in demo.TODOS]  # soonest due first
    assert todos[0]["priority"] == "high" and todos[0]["due_time"] == "17:00"
    reminders = tools.call(user, "list_reminders")["reminders"]
    assert [r["text"] for r in reminders] == [r.text for r in demo.REMINDERS]
    assert all(r["remind_at"].endswith(("-08:00", "-07:00")) for r in reminders)
    events = tools.call(user, "list_events")["events"]
    assert [e["title"] for e in events] == [e.title for e in demo.EVENTS]
    tomorrow_nine = datetime.combine(today + timedelta(days=1), time(9), tzinfo=ZoneInfo(ZONE))
    assert events[0]["start"] == tomorrow_nine.isoformat()  # local times in the user's zone

    [team] = tools.call(user, "list_teams")["teams"]
    assert team["name"] == demo.TEAM_NAME and team["my_role"] == "owner"
    assert {m["name"]: m["role"] for m in team["members"]} == {
        "Demo User": "owner",
        demo.TEAMMATE_NAME: "admin",
    }
    todos = tools.call(user, "list_team_todos", team=demo.TEAM_NAME)["todos"]
    assert [t["title"] for t in todos] == [t.title for t in demo.TEAM_TODOS]
    assert todos[0]["assignee"]["email"] == demo.TEAMMATE_EMAIL
    mine = tools.call(user, "list_team_todos", team=demo.TEAM_NAME, assignee="me")["todos"]
    assert [t["title"] for t in mine] == ["Update the holiday opening hours on the website"]
    # The demo data is the demo user's: another user sees none of it.
    other = tools.user("Other")
    assert tools.call(other, "list_todos", status="all")["todos"] == []
    assert tools.call(other, "list_reminders")["reminders"] == []
    assert tools.call(other, "list_events")["events"] == []
    assert tools.call(other, "list_teams")["teams"] == []
