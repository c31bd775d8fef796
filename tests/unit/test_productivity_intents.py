"""The rules model's productivity phrasings: todos, reminders, calendar events and teams, the
follow-ups that refer back to them, and the spoken dates and times they carry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from functions.agent_turn.agent import intents, productivity_intents
from functions.agent_turn.agent.dialogue import Answer, Context, Intent
from functions.agent_turn.agent.productivity_when import When, split_when

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday
NOW = datetime(2026, 12, 1, 19, 30)

PHRASINGS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "add a high priority todo to call the bank by Friday",
        "add_todo",
        {"title": "call the bank", "priority": "high", "due_date": "2026-12-04"},
    ),
    (
        "remind me to buy milk tomorrow on my todo list",
        "add_todo",
        {"title": "buy milk", "due_date": "2026-12-02"},
    ),
    ("um, could you add buy eggs to my list please", "add_todo", {"title": "buy eggs"}),
    (
        "add a todo to submit the report on December 12th at 5 pm",
        "add_todo",
        {"title": "submit the report", "due_date": "2026-12-12", "due_time": "17:00"},
    ),
    ("what's on my list for today", "list_todos", {"due_before": "2026-12-01"}),
    ("show my high priority tasks", "list_todos", {"priority": "high"}),
    ("what have I finished", "list_todos", {"status": "done"}),
    ("what tasks are due this week", "list_todos", {"due_before": "2026-12-06"}),
    ("delete the dentist todo", "delete_todo", {"todo": "dentist"}),
    ("remove buy milk from my list", "delete_todo", {"todo": "buy milk"}),
    ("change the milk todo to oat milk", "update_todo", {"todo": "milk", "title": "oat milk"}),
    ("make the bank todo high priority", "update_todo", {"todo": "bank", "priority": "high"}),
    ("mark buy milk as done", "complete_todo", {"todo": "buy milk"}),
    (
        "remind me to call mom at 6 pm",
        "create_reminder",
        {"text": "call mom", "remind_at": "2026-12-01T18:00"},
    ),
    (
        "set a reminder for next Monday at ten a.m. to pay rent",
        "create_reminder",
        {"text": "pay rent", "remind_at": "2026-12-07T10:00"},
    ),
    (
        "remind me tomorrow evening to take out the trash",
        "create_reminder",
        {"text": "take out the trash", "remind_at": "2026-12-02T18:00"},
    ),
    ("what reminders do I have", "list_reminders", {}),
    ("delete my reminder about rent", "delete_reminder", {"reminder": "rent"}),
    (
        "schedule a meeting with Sam tomorrow at 3 for an hour",
        "create_event",
        {"title": "meeting with Sam", "start": "2026-12-02T15:00", "duration_minutes": 60},
    ),
    (
        "put lunch with Ana on my calendar next Friday at noon",
        "create_event",
        {"title": "lunch with Ana", "start": "2026-12-04T12:00"},
    ),
    (
        "what's on my calendar tomorrow",
        "list_events",
        {"start": "2026-12-02T00:00", "end": "2026-12-03T00:00"},
    ),
    (
        "move my 3 pm meeting to 4",
        "update_event",
        {"event": "meeting", "start": "2026-12-01T16:00"},
    ),
    ("cancel the meeting with Sam", "delete_event", {"event": "meeting with Sam"}),
    ("list my teams", "list_teams", {}),
    ("who is on the design team", "list_teams", {}),
    ("what's on the design team's todo list", "list_team_todos", {"team": "design"}),
]


@pytest.mark.parametrize(("utterance", "tool", "args"), PHRASINGS)
def test_phrasing(utterance: str, tool: str, args: dict[str, Any]) -> None:
    assert intents.parse(utterance, TODAY) == Intent(tool, args)


@pytest.mark.parametrize(
    "utterance",
    ["cancel my reservation", "book a table for two tomorrow at seven", "what's on the menu"],
)
def test_hanok_phrasings_are_not_ours(utterance: str) -> None:
    assert productivity_intents.parse(utterance, TODAY) is None


@pytest.mark.parametrize(
    ("utterance", "question"),
    [
        ("add a todo", "What should the todo say?"),
        ("remind me to call mom", "When should I remind you?"),
        ("remind me to call mom tomorrow", "At what time should I remind you?"),
        ("schedule a design review", "What day and time is it?"),
    ],
)
def test_what_is_missing_is_asked(utterance: str, question: str) -> None:
    found = intents.parse(utterance, TODAY)
    assert isinstance(found, Answer) and found.text == question


def test_the_answer_is_read_with_the_request() -> None:
    context = Context(asked=(("remind me to call mom", "When should I remind you?"),))
    assert intents.parse("at six", TODAY, context) == Intent(
        "create_reminder", {"text": "call mom", "remind_at": "2026-12-01T18:00"}
    )


TODO = Context(tool="add_todo", args={"title": "buy milk", "due_date": "2026-12-02"})
EVENT = Context(tool="create_event", args={"title": "coffee with Leo", "start": "2026-12-02T10:00"})


@pytest.mark.parametrize(
    ("utterance", "context", "tool", "args"),
    [
        ("make it high priority", TODO, "update_todo", {"todo": "buy milk", "priority": "high"}),
        ("no, Thursday", TODO, "update_todo", {"todo": "buy milk", "due_date": "2026-12-03"}),
        ("cancel that one", TODO, "delete_todo", {"todo": "buy milk"}),
        ("mark it done", TODO, "complete_todo", {"todo": "buy milk"}),
        (
            "actually, make it Thursday",
            EVENT,
            "update_event",
            {"event": "coffee with Leo", "start": "2026-12-03T10:00"},
        ),
        (
            "move it to 4",
            EVENT,
            "update_event",
            {"event": "coffee with Leo", "start": "2026-12-02T16:00"},
        ),
        ("delete it", EVENT, "delete_event", {"event": "coffee with Leo"}),
    ],
)
def test_a_follow_up_refers_back(
    utterance: str, context: Context, tool: str, args: dict[str, Any]
) -> None:
    assert intents.parse(utterance, TODAY, context) == Intent(tool, args)


def test_in_two_hours_needs_now() -> None:
    found = intents.parse("remind me in two hours to check the oven", TODAY, now=NOW)
    assert found == Intent(
        "create_reminder", {"text": "check the oven", "remind_at": "2026-12-01T21:30"}
    )


def test_a_time_already_past_today_is_tomorrows() -> None:
    found = intents.parse("remind me to call mom at 6 pm", TODAY, now=NOW)
    assert isinstance(found, Intent) and found.args["remind_at"] == "2026-12-02T18:00"


@pytest.mark.parametrize(
    ("phrase", "day", "hhmm"),
    [
        ("next monday at 10 am", "2026-12-07", "10:00"),
        ("tomorrow evening", "2026-12-02", "18:00"),
        ("tomorrow morning", "2026-12-02", "09:00"),
        ("friday afternoon", "2026-12-04", "15:00"),
        ("tonight", "2026-12-01", "20:00"),
        ("december 12th", "2026-12-12", None),
        ("the 12th at 9", "2026-12-12", "09:00"),
        ("at 3", None, "15:00"),
    ],
)
def test_spoken_when(phrase: str, day: str | None, hhmm: str | None) -> None:
    when = When.of(phrase, TODAY)
    assert (when.day.isoformat() if when.day else None, when.time) == (day, hhmm)


def test_split_when_cuts_dates_out_of_titles() -> None:
    assert split_when("meeting with sam tomorrow at 3 for an hour") == (
        "meeting with sam",
        "tomorrow at 3 for an hour",
    )
    assert split_when("call the monday club") == ("call the monday club", "")
