"""What the rules model says to the results of the productivity tools: todos and reminders here,
calendar events and teams in calendar_replies. Written to be heard: days as "Friday, December
4", times as "3 PM"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from functions.agent_turn.agent import calendar_replies
from functions.agent_turn.agent.hanok_replies import say_time

Result = dict[str, Any]
Args = dict[str, Any]
MAX_READ = 8  # read at most this many items; the rest are counted


def _say_date(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f" for {day.strftime('%A, %B')} {day.day}"


def say_moment(iso: str) -> str:
    """ "Monday, December 7 at 10 AM"."""
    moment = datetime.fromisoformat(iso)
    return f"{moment.strftime('%A, %B')} {moment.day} at {say_time(moment.strftime('%H:%M'))}"


def listing(items: list[str], one: str, many: str) -> str:
    """ "You have one todo: x." / "You have 3 todos: a; b; and c." (at most MAX_READ read)."""
    if len(items) == 1:
        return f"You have one {one}: {items[0]}."
    read = items[:MAX_READ]
    more = f"; and {len(items) - len(read)} more" if len(read) < len(items) else ""
    head = "; ".join(read[:-1]) + (f"; {read[-1]}{more}." if more else f"; and {read[-1]}.")
    return f"You have {len(items)} {many}: {head}"


def _todo(todo: Result) -> str:
    high = "high priority: " if todo.get("priority") == "high" else ""
    return f"{high}{todo['title']}{_say_date(todo.get('due_date'))}"


def _reply_add(result: Result, args: Args) -> str:
    todo = result["todo"]
    high = ", marked high priority" if todo.get("priority") == "high" else ""
    return (
        f"Okay, I added {todo['title']} to your todo list{_say_date(todo.get('due_date'))}{high}."
    )


def _reply_list(result: Result, args: Args) -> str:
    todos = result["todos"]
    if not todos:
        if args.get("status") == "done":
            return "You haven't finished any todos yet."
        return "Your todo list is empty." if len(args) == 0 else "You have no todos like that."
    which = {"done": ("finished todo", "finished todos")}.get(args.get("status", ""))
    one, many = which or ("todo", "todos")
    return listing([_todo(t) for t in todos], one, many)


def _reply_complete(result: Result, args: Args) -> str:
    return f"Done. I marked {result['todo']['title']} as complete."


def _reply_update(result: Result, args: Args) -> str:
    todo = result["todo"]
    due = _say_date(todo.get("due_date")).replace(" for ", " due ")
    return f"Okay, {todo['title']} is now {todo.get('priority', 'medium')} priority{due}."


def _reply_delete(result: Result, args: Args) -> str:
    return f"Okay, I deleted {result['deleted']['title']} from your todo list."


def _reminder(reminder: Result) -> str:
    return f"{reminder['text']} on {say_moment(reminder['remind_at'])}"


def _reply_create_reminder(result: Result, args: Args) -> str:
    return f"Okay, I'll remind you to {_reminder(result['reminder'])}."


def _reply_list_reminders(result: Result, args: Args) -> str:
    reminders = result["reminders"]
    if not reminders:
        return "You have no upcoming reminders."
    return listing([_reminder(r) for r in reminders], "reminder", "reminders")


def _reply_update_reminder(result: Result, args: Args) -> str:
    reminder = result["reminder"]
    if reminder.get("done"):
        return f"Okay, I marked your reminder to {reminder['text']} as done."
    return f"Okay, I'll now remind you to {_reminder(reminder)}."


def _reply_delete_reminder(result: Result, args: Args) -> str:
    return f"Okay, I deleted your reminder to {result['deleted']['text']}."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "add_todo": _reply_add,
    "list_todos": _reply_list,
    "complete_todo": _reply_complete,
    "update_todo": _reply_update,
    "delete_todo": _reply_delete,
    "create_reminder": _reply_create_reminder,
    "list_reminders": _reply_list_reminders,
    "update_reminder": _reply_update_reminder,
    "delete_reminder": _reply_delete_reminder,
    **calendar_replies.REPLIES,
}
# What the caller hears when a tool broke on our side; the detail is in the log, not here.
UNAVAILABLE: dict[str, str] = {
    "add_todo": "Sorry, I couldn't save that todo just now.",
    "list_todos": "Sorry, I couldn't read your todo list just now.",
    "complete_todo": "Sorry, I couldn't update your todo list just now.",
    "update_todo": "Sorry, I couldn't update your todo list just now.",
    "delete_todo": "Sorry, I couldn't update your todo list just now.",
    "create_reminder": "Sorry, I couldn't save that reminder just now.",
    "list_reminders": "Sorry, I couldn't read your reminders just now.",
    "update_reminder": "Sorry, I couldn't change that reminder just now.",
    "delete_reminder": "Sorry, I couldn't change that reminder just now.",
    **calendar_replies.UNAVAILABLE,
}
