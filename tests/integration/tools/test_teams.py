"""Team tools against the real PostgreSQL: teams, members and roles, team todos, and that a
non-member can neither see nor change a team."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _email(tools: ToolHarness, user_id: str) -> str:
    row = tools.db.fetch_one("SELECT email FROM identity.users WHERE id = :id", id=user_id)
    assert row is not None
    return str(row["email"])


def _members(tools: ToolHarness, user_id: str, team: str) -> dict[str, str]:
    teams = tools.call(user_id, "list_teams")["teams"]
    [found] = [t for t in teams if t["name"] == team]
    return {m["name"]: m["role"] for m in found["members"]}


def _soon(days: int = 3) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_create_list_and_manage_members(tools: ToolHarness) -> None:
    ada, bob, cy = tools.user("Ada"), tools.user("Bob"), tools.user("Cy")
    created = tools.call(ada, "create_team", name="Front Office", description="reception")
    assert created["created"] is True
    team = created["team"]
    assert set(team) == {"id", "name", "description", "my_role"}
    assert team["name"] == "Front Office" and team["my_role"] == "owner"
    assert created["members"] == [{"name": "Ada", "email": _email(tools, ada), "role": "owner"}]

    # Emails are stored lower-case; the caller may say them any way.
    added = tools.call(
        ada, "add_team_member", team="front office", email=_email(tools, bob).upper()
    )
    assert added["added"] is True
    assert added["member"] == {"name": "Bob", "email": _email(tools, bob), "role": "member"}
    tools.call(ada, "add_team_member", team=team["id"], email=_email(tools, cy), role="admin")
    assert _members(tools, ada, "Front Office") == {"Ada": "owner", "Cy": "admin", "Bob": "member"}

    listed = tools.call(bob, "list_teams")["teams"]
    assert [(t["name"], t["my_role"]) for t in listed] == [("Front Office", "member")]
    assert "members" not in tools.call(bob, "list_teams", include_members=False)["teams"][0]

    promoted = tools.call(
        ada, "add_team_member", team="Front Office", email=_email(tools, bob), role="admin"
    )
    assert promoted["role_changed"] is True and promoted["member"]["role"] == "admin"
    removed = tools.call(cy, "remove_team_member", team="Front Office", member="Bob")
    assert removed["removed"]["name"] == "Bob"
    assert _members(tools, ada, "Front Office") == {"Ada": "owner", "Cy": "admin"}
    assert tools.call(bob, "list_teams")["teams"] == []


def test_roles_limit_who_may_change_members(tools: ToolHarness) -> None:
    ada, bob, cy, dee = (tools.user(n) for n in ("Ada", "Bob", "Cy", "Dee"))
    tools.call(ada, "create_team", name="Ops")
    tools.call(ada, "add_team_member", team="Ops", email=_email(tools, bob))
    tools.call(ada, "add_team_member", team="Ops", email=_email(tools, cy), role="admin")

    # A member may not add or remove anyone but themselves.
    refused = tools.refused(bob, "add_team_member", team="Ops", email=_email(tools, dee))
    assert "only the owners and admins" in refused["error"]
    assert (
        "only the owners and admins"
        in tools.refused(bob, "remove_team_member", team="Ops", member="Cy")["error"]
    )
    # An admin manages members, but not the owner role.
    assert (
        "owner role"
        in tools.refused(cy, "add_team_member", team="Ops", email=_email(tools, dee), role="owner")[
            "error"
        ]
    )
    assert (
        "owner role" in tools.refused(cy, "remove_team_member", team="Ops", member="Ada")["error"]
    )
    tools.call(cy, "add_team_member", team="Ops", email=_email(tools, dee))
    # The last owner can neither leave nor step down; after naming another owner they can.
    assert (
        "at least one owner"
        in tools.refused(ada, "remove_team_member", team="Ops", member="me")["error"]
    )
    assert (
        "at least one owner"
        in tools.refused(
            ada, "add_team_member", team="Ops", email=_email(tools, ada), role="admin"
        )["error"]
    )
    tools.call(ada, "add_team_member", team="Ops", email=_email(tools, cy), role="owner")
    tools.call(ada, "remove_team_member", team="Ops", member="me")
    # Anyone may leave.
    tools.call(dee, "remove_team_member", team="Ops", member="me")
    assert _members(tools, cy, "Ops") == {"Cy": "owner", "Bob": "member"}


def test_bad_input_is_refused_and_writes_nothing(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    assert "needs some words" in tools.refused(ada, "create_team", name="\x00 ")["error"]
    assert "name" in tools.refused(ada, "create_team")["error"]
    assert tools.db.fetch_one("SELECT count(*) AS n FROM productivity.teams") == {"n": 0}

    tools.call(ada, "create_team", name="Ops")
    assert "already in a team called" in tools.refused(ada, "create_team", name="ops")["error"]
    unknown = tools.refused(ada, "add_team_member", team="Ops", email="nobody@example.test")
    assert "no one with the email address nobody@example.test" in unknown["error"]
    assert (
        "not an email address"
        in tools.refused(ada, "add_team_member", team="Ops", email="bob at home")["error"]
    )
    role = tools.refused(ada, "add_team_member", team="Ops", email=_email(tools, bob), role="boss")
    assert role["reason"] == "invalid_arguments" and "role" in role["error"]
    assert (
        "already an owner"
        in tools.refused(
            ada, "add_team_member", team="Ops", email=_email(tools, ada), role="owner"
        )["error"]
    )
    assert (
        "not in a team called 'Marketing'"
        in tools.refused(ada, "add_team_member", team="Marketing", email=_email(tools, bob))[
            "error"
        ]
    )
    assert (
        "no member of Ops matches 'Bob'"
        in tools.refused(ada, "remove_team_member", team="Ops", member="Bob")["error"]
    )
    assert (
        "in the past"
        in tools.refused(ada, "add_team_todo", team="Ops", title="x", due_date=_soon(-2))["error"]
    )
    assert (
        "no member of Ops"
        in tools.refused(ada, "add_team_todo", team="Ops", title="x", assignee=_email(tools, bob))[
            "error"
        ]
    )
    assert (
        "priority"
        in tools.refused(ada, "add_team_todo", team="Ops", title="x", priority="urgent")["error"]
    )
    assert (
        "no open todo of Ops"
        in tools.refused(ada, "complete_team_todo", team="Ops", todo="file taxes")["error"]
    )
    assert _members(tools, ada, "Ops") == {"Ada": "owner"}
    assert tools.db.fetch_one("SELECT count(*) AS n FROM productivity.team_todos") == {"n": 0}


def test_team_todos(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada Lovelace"), tools.user("Bob Stone")
    tools.call(ada, "create_team", name="Front Office")
    tools.call(ada, "add_team_member", team="Front Office", email=_email(tools, bob))

    toner = tools.call(
        ada,
        "add_team_todo",
        team="front office",
        title="order printer toner",
        assignee=_email(tools, bob),
        priority="high",
        due_date=_soon(2),
    )
    assert toner["created"] is True and toner["team"]["name"] == "Front Office"
    todo = toner["todo"]
    assert set(todo) == {
        "id",
        "title",
        "description",
        "priority",
        "due_date",
        "assignee",
        "completed",
    }
    assert todo["assignee"] == {"name": "Bob Stone", "email": _email(tools, bob)}
    assert todo["due_date"] == _soon(2) and todo["completed"] is False
    by_name = tools.call(
        bob, "add_team_todo", team="Front Office", title="update hours", assignee="Ada"
    )
    assert by_name["todo"]["assignee"]["name"] == "Ada Lovelace"
    mine = tools.call(
        ada, "add_team_todo", team="Front Office", title="water plants", assignee="me"
    )
    assert mine["todo"]["assignee"]["name"] == "Ada Lovelace"
    nobody = tools.call(ada, "add_team_todo", team="Front Office", title="restock cooler")
    assert nobody["todo"]["assignee"] is None

    def titles(user: str, **filters: Any) -> list[str]:
        result = tools.call(user, "list_team_todos", team="Front Office", **filters)
        return [t["title"] for t in result["todos"]]

    assert titles(bob) == ["order printer toner", "update hours", "water plants", "restock cooler"]
    assert titles(bob, assignee="me") == ["order printer toner"]
    assert titles(ada, assignee="Ada Lovelace") == ["update hours", "water plants"]

    done = tools.call(bob, "complete_team_todo", team="Front Office", todo="toner")
    assert done["todo"]["completed"] is True
    assert titles(ada, status="done") == ["order printer toner"]
    assert "order printer toner" not in titles(ada)

    # A member who is removed hands back their open todos; done ones keep their history.
    tools.call(ada, "add_team_todo", team="Front Office", title="sort the mail", assignee="Bob")
    tools.call(ada, "remove_team_member", team="Front Office", member="Bob Stone")
    everything = tools.call(ada, "list_team_todos", team="Front Office", status="all")["todos"]
    by_title = {t["title"]: t for t in everything}
    assert by_title["sort the mail"]["assignee"] is None
    assert by_title["order printer toner"]["assignee"]["name"] == "Bob Stone"
    assert "not in a team" in tools.refused(bob, "list_team_todos", team="Front Office")["error"]


def test_a_non_member_can_neither_see_nor_change_a_team(tools: ToolHarness) -> None:
    ada, eve = tools.user("Ada"), tools.user("Eve")
    team = tools.call(ada, "create_team", name="Payroll")["team"]
    secret = tools.call(ada, "add_team_todo", team="Payroll", title="bonus for Eve")["todo"]

    assert tools.call(eve, "list_teams")["teams"] == []
    for ref in (team["id"], "Payroll"):
        calls = [
            ("list_team_todos", {}),
            ("add_team_todo", {"title": "x"}),
            ("complete_team_todo", {"todo": secret["id"]}),
            ("add_team_member", {"email": _email(tools, eve)}),
            ("remove_team_member", {"member": "Ada"}),
        ]
        for tool, args in calls:
            refused = tools.refused(eve, tool, team=ref, **args)
            assert refused["reason"] == "refused" and "not in a team called" in refused["error"]
    # Eve's own team does not reach Payroll's todos by id either.
    tools.call(eve, "create_team", name="Eve's team")
    assert (
        "no open todo"
        in tools.refused(eve, "complete_team_todo", team="Eve's team", todo=secret["id"])["error"]
    )
    assert "no such argument" in tools.refused(eve, "list_teams", user_id=ada)["error"]
    assert _members(tools, ada, "Payroll") == {"Ada": "owner"}
    open_todos = tools.call(ada, "list_team_todos", team="Payroll")["todos"]
    assert [t["completed"] for t in open_todos] == [False]
