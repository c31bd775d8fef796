"""Todo tools against the real PostgreSQL: effects, result shapes, bad input, other users."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _soon(days: int = 3) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_add_list_update_complete_delete(tools: ToolHarness) -> None:
    ada = tools.user()
    added = tools.call(
        ada, "add_todo", title="file the taxes", priority="high", due_date=_soon(), due_time="17:30"
    )
    todo = added["todo"]
    assert todo["title"] == "file the taxes" and todo["priority"] == "high"
    assert todo["due_date"] == _soon() and todo["due_time"] == "17:30"
    tools.call(ada, "add_todo", title="buy milk")

    assert [t["title"] for t in tools.call(ada, "list_todos")["todos"]] == [
        "file the taxes",
        "buy milk",
    ]
    high = tools.call(ada, "list_todos", priority="high")["todos"]
    assert [t["title"] for t in high] == ["file the taxes"]
    assert tools.call(ada, "list_todos", due_before=_soon(1))["todos"] == []

    updated = tools.call(ada, "update_todo", todo="taxes", priority="low", clear_due=True)
    assert updated["todo"]["priority"] == "low" and updated["todo"]["due_date"] is None
    tools.call(ada, "complete_todo", todo="milk")
    assert [t["title"] for t in tools.call(ada, "list_todos", status="done")["todos"]] == [
        "buy milk"
    ]
    tools.call(ada, "delete_todo", todo=todo["id"])
    assert tools.call(ada, "list_todos", status="all")["todos"][0]["title"] == "buy milk"
    assert tools.count("productivity.todos", ada) == 1


def test_bad_input_is_refused_and_writes_nothing(tools: ToolHarness) -> None:
    ada = tools.user()
    past = (date.today() - timedelta(days=2)).isoformat()
    assert "in the past" in tools.refused(ada, "add_todo", title="x", due_date=past)["error"]
    assert "required" in tools.refused(ada, "add_todo")["error"]
    assert "priority" in tools.refused(ada, "add_todo", title="x", priority="urgent")["error"]
    assert (
        "needs a due date" in tools.refused(ada, "add_todo", title="x", due_time="10:00")["error"]
    )
    assert "needs some words" in tools.refused(ada, "add_todo", title="\x00\x01")["error"]
    assert "no open todo" in tools.refused(ada, "complete_todo", todo="walk the dog")["error"]
    assert tools.count("productivity.todos", ada) == 0


def test_a_model_cannot_name_the_user(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    result = tools.refused(ada, "add_todo", title="x", user_id=bob)
    assert result["reason"] == "invalid_arguments" and "no such argument" in result["error"]
    assert tools.count("productivity.todos", bob) == 0


def test_another_users_todos_are_out_of_reach(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    secret = tools.call(bob, "add_todo", title="surprise party for Ada")["todo"]
    assert tools.call(ada, "list_todos", status="all")["todos"] == []
    for tool in ("complete_todo", "delete_todo", "update_todo"):
        assert tools.refused(ada, tool, todo=secret["id"])
        assert tools.refused(ada, tool, todo="surprise party")
    assert tools.call(bob, "list_todos")["todos"][0]["title"] == "surprise party for Ada"


def test_a_redelivered_write_returns_the_first_result_and_writes_once(tools: ToolHarness) -> None:
    ada = tools.user()
    first = tools.outcome(ada, "add_todo", key="turn-1:add_todo:1", title="call mum")
    again = tools.outcome(ada, "add_todo", key="turn-1:add_todo:1", title="call mum")
    assert again.replayed and again.result == first.result
    tools.call(ada, "delete_todo", key="turn-2:delete_todo:1", todo="call mum")
    replay = tools.outcome(ada, "delete_todo", key="turn-2:delete_todo:1", todo="call mum")
    assert replay.ok and replay.replayed  # the same answer, not "no todo matches"
    assert tools.count("productivity.todos", ada) == 0


def test_today_is_the_users_own_day(tools: ToolHarness) -> None:
    # Far east of UTC it may already be tomorrow; a date that is "today" there is not past.
    east = tools.user(timezone="Pacific:Kiritimati".replace(":", "/"))
    assert tools.dispatcher.user_zone(east).key == "Pacific/Kiritimati"
