"""What the rules model says to the results of the todo tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

Result = dict[str, Any]
Args = dict[str, Any]


def _say_date(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f" for {day.strftime('%A, %B')} {day.day}"


def _reply_add(result: Result, args: Args) -> str:
    todo = result["todo"]
    return f"Okay, I added {todo['title']} to your todo list{_say_date(todo.get('due_date'))}."


def _reply_list(result: Result, args: Args) -> str:
    todos = result["todos"]
    if not todos:
        return "Your todo list is empty."
    items = [t["title"] + _say_date(t.get("due_date")) for t in todos]
    if len(items) == 1:
        return f"You have one todo: {items[0]}."
    return f"You have {len(items)} todos: " + "; ".join(items[:-1]) + f"; and {items[-1]}."


def _reply_complete(result: Result, args: Args) -> str:
    return f"Done. I marked {result['todo']['title']} as complete."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "add_todo": _reply_add,
    "list_todos": _reply_list,
    "complete_todo": _reply_complete,
}
# What the caller hears when a tool broke on our side; the detail is in the log, not here.
UNAVAILABLE: dict[str, str] = {
    "add_todo": "Sorry, I couldn't save that todo just now.",
    "list_todos": "Sorry, I couldn't read your todo list just now.",
    "complete_todo": "Sorry, I couldn't update your todo list just now.",
}
