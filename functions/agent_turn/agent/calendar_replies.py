"""What the rules model says to the results of the calendar and team tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.agent_turn.agent.hanok_replies import say_list, say_time

Result = dict[str, Any]
Args = dict[str, Any]


def _when(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{moment.strftime('%A, %B')} {moment.day} at {say_time(moment.strftime('%H:%M'))}"


def _event(event: Result) -> str:
    return f"{event['title']} on {_when(event['start'])}"


def _overlaps(result: Result) -> str:
    titles = [str(e.get("title")) for e in result.get("overlaps") or []]
    return f" Note that it overlaps {say_list(titles)}." if titles else ""


def _reply_create(result: Result, args: Args) -> str:
    return f"Okay, I put {_event(result['event'])} on your calendar.{_overlaps(result)}"


def _reply_list(result: Result, args: Args) -> str:
    events = result["events"]
    if not events:
        return "Your calendar is clear for then."
    items = [_event(e) for e in events]
    if len(items) == 1:
        return f"You have one event: {items[0]}."
    return f"You have {len(items)} events: " + "; ".join(items[:-1]) + f"; and {items[-1]}."


def _reply_update(result: Result, args: Args) -> str:
    return f"Okay, {_event(result['event'])} now.{_overlaps(result)}"


def _reply_delete(result: Result, args: Args) -> str:
    return f"Okay, I cancelled {_event(result['deleted'])}."


def _members(team: Result) -> str:
    names = [str(m.get("name") or m.get("email")) for m in team.get("members") or []]
    return f": {say_list(names)}" if names else ""


def _reply_teams(result: Result, args: Args) -> str:
    teams = result["teams"]
    if not teams:
        return "You aren't on any teams yet."
    spoken = [f"{t['name']}{_members(t)}" for t in teams]
    if len(spoken) == 1:
        return f"You're on one team, {spoken[0]}."
    return f"You're on {len(spoken)} teams. " + " ".join(f"{s}." for s in spoken)


def _reply_team_todos(result: Result, args: Args) -> str:
    todos = result["todos"]
    name = result.get("team", {}).get("name") or args.get("team", "the team")
    if not todos:
        return f"The {name} team has no open todos."
    return (
        f"The {name} team has {len(todos)} open todos: "
        + "; ".join(t["title"] for t in todos)
        + "."
    )


def _reply_add_team_todo(result: Result, args: Args) -> str:
    name = result.get("team", {}).get("name") or args.get("team")
    return f"Okay, I added {result['todo']['title']} to the {name} team's list."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "create_event": _reply_create,
    "list_events": _reply_list,
    "update_event": _reply_update,
    "delete_event": _reply_delete,
    "list_teams": _reply_teams,
    "list_team_todos": _reply_team_todos,
    "add_team_todo": _reply_add_team_todo,
}
UNAVAILABLE: dict[str, str] = {
    "create_event": "Sorry, I couldn't save that event just now.",
    "list_events": "Sorry, I couldn't read your calendar just now.",
    "update_event": "Sorry, I couldn't change that event just now.",
    "delete_event": "Sorry, I couldn't change that event just now.",
    "list_teams": "Sorry, I couldn't look up your teams just now.",
    "list_team_todos": "Sorry, I couldn't read that team's list just now.",
    "add_team_todo": "Sorry, I couldn't save that team todo just now.",
}
