"""Productivity follow-ups: the answer to our question read with the request it was asked about
("remind me to call mom" / "When should I remind you?" / "at six"), and a reference back to the
todo, reminder or event the previous turn touched ("make it high priority", "no, Thursday",
"move it to 4", "cancel that one", "mark it done")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from functions.agent_turn.agent import calendar_intents, reminder_intents
from functions.agent_turn.agent.dialogue import Answer, Context, Intent
from functions.agent_turn.agent.productivity_heard import Heard, clean, priority_of
from functions.agent_turn.agent.productivity_when import When, split_when

Reparse = Callable[[str, date, Context | None, datetime | None], Intent | Answer | None]
ASK_TODO_TITLE = "What should the todo say?"
_TITLE_QUESTIONS = (ASK_TODO_TITLE, reminder_intents.ASK_WHAT, calendar_intents.ASK_TITLE)
_TIME_QUESTIONS = (
    reminder_intents.ASK_WHEN,
    reminder_intents.ASK_TIME,
    calendar_intents.ASK_WHEN,
    calendar_intents.ASK_TIME,
)
_KINDS = {
    "todo": ("add_todo", "update_todo", "complete_todo", "list_todos"),
    "reminder": ("create_reminder", "update_reminder", "list_reminders"),
    "event": ("create_event", "update_event", "list_events"),
}
_LEAD = (
    r"^(?:(?:no|nope|actually|sorry|wait|oops|oh|hmm|um|uh|i mean|i meant|rather|and|also|"
    r"then)\b[\s,]*)*"
)
_IT = r"(?:it|that|this|that one|this one|that 1|this 1|the last one|the last 1)"
_DELETE_IT = re.compile(
    rf"{_LEAD}(?:please\s+)?(?:cancel|delete|remove|drop|scratch|forget|undo|get rid of|"
    rf"erase)\s+{_IT}\b"
)
_DONE_IT = re.compile(
    rf"{_LEAD}(?:mark|check|tick|cross)\s+{_IT}\s+(?:off|as done|done|as complete|complete)\b|"
    rf"{_LEAD}i(?:'ve| have)?\s+(?:done|finished|did|completed)\s+{_IT}$"
)
_CHANGE_IT = re.compile(
    rf"{_LEAD}(?:(?:can you|could you|can we|could we|let's|please|just)\s+)?"
    r"(?:make|set|mark|change|move|push|switch|"
    rf"rename|call|bump)\s+"
    rf"{_IT}\s*(?:to\s+(?:be\s+)?|as\s+|into\s+|for\s+|say\s+)?(?P<new>.*)$"
)
_HANOK_TALK = re.compile(r"\b(?:people|guests|of us|reservation|booking|table)\b")
_CORRECTION = re.compile(rf"{_LEAD}(?P<new>.+?)(?:\s+instead)?$")
_SPAN_ALONE = re.compile(
    r"^(?:for\s+)?((?:half an|an|a|\d+)\s+(?:hours?|minutes?|"
    r"mins?)(?:\s+and\s+a\s+half)?)(?:\s+long)?$"
)


def parse(
    heard: Heard, today: date, context: Context, now: datetime | None, reparse: Reparse
) -> Intent | Answer | None:
    if context.asked:
        return _answered(heard, today, context, now, reparse)
    kind = next((k for k, tools in _KINDS.items() if context.tool in tools), None)
    if kind is None or not context.result.get("ok", True):
        return None
    name = _last_named(kind, context)
    if not name:
        return None
    # "actually it's not urgent at all, make it low priority": the request may be any clause.
    clauses = [c for c in re.split(r"\s*[,;]\s*", heard.words) if c]
    for words in [heard.words, *reversed(clauses)] if len(clauses) > 1 else [heard.words]:
        found = _about_it(Heard(heard.text, words), kind, name, context, today)
        if found is not None:
            return found
    return None


def _answered(
    heard: Heard, today: date, context: Context, now: datetime | None, reparse: Reparse
) -> Intent | Answer | None:
    """The answers to our questions, read with the request they were asked about."""
    said = context.asked[0][0]
    questions = [q for _, q in context.asked]
    answers = [a for a, _ in context.asked[1:]] + [heard.text]
    if not any(q in _TITLE_QUESTIONS + _TIME_QUESTIONS for q in questions):
        return None
    for question, answer in zip(questions, answers, strict=True):
        said += _joined(question, answer)
    found = reparse(said, today, Context(), now)
    from functions.agent_turn.agent.productivity_intents import TOOLS

    return found if found is not None and found.tool in TOOLS else None


def _joined(question: str, answer: str) -> str:
    answer = clean(answer)
    if question in _TITLE_QUESTIONS:
        return f" to {answer}" if question != calendar_intents.ASK_TITLE else f" called {answer}"
    if re.fullmatch(r"(?:\d{1,2}|[a-z]+)(?:[:\s]\d{2})?", Heard.of(answer).words):
        return f" at {answer}"
    if question in (calendar_intents.ASK_WHEN, calendar_intents.ASK_TIME):
        named = split_when(Heard.of(answer).words)[0]
        if len(named.split()) > 1:  # "a budget review on Thursday": its name with its time
            return f" called {answer}"
    return f" {answer}"


def _last_named(kind: str, context: Context) -> str | None:
    """The title of the todo (text of the reminder, title of the event) last touched."""
    field, key = {
        "todo": ("todo", "title"),
        "reminder": ("reminder", "text"),
        "event": ("event", "title"),
    }[kind]
    found = context.result.get(field)
    listed = context.result.get(f"{field}s")
    if not isinstance(found, dict) and isinstance(listed, list) and len(listed) == 1:
        found = listed[0]
    if isinstance(found, dict) and isinstance(found.get(key), str):
        return str(found[key])
    said = context.args.get(key) or context.args.get(field)
    return str(said) if isinstance(said, str) and said else None


def _about_it(
    heard: Heard, kind: str, name: str, context: Context, today: date
) -> Intent | Answer | None:
    words = heard.words
    if _DELETE_IT.search(words):
        return Intent(f"delete_{kind}", {kind: name})
    if _DONE_IT.search(words):
        return (
            Intent("complete_todo", {"todo": name})
            if kind == "todo"
            else (
                Intent("update_reminder", {"reminder": name, "done": True})
                if kind == "reminder"
                else None
            )
        )
    change = _CHANGE_IT.search(words)
    new = change.group("new") if change else _correction(words)
    if new is None:
        return None
    if kind == "todo":
        return _todo_change(heard, name, new, today)
    if _HANOK_TALK.search(words):
        return None
    return _timed_change(heard, kind, name, new, context, today)


def _correction(words: str) -> str | None:
    """What a bare correction says ("no, Thursday", "at 4 instead", "high priority"), if it
    says only a day, a time, a length or a priority."""
    match = _CORRECTION.search(words)
    new = match.group("new") if match else words
    rest, priority = priority_of(new)
    leftover, phrases = split_when(rest)
    if not re.sub(r"\b(?:make it|it's|it is|please|then|on|at|due)\b", "", leftover).strip(
        " ,"
    ) and (priority or phrases):
        return new
    return new if _SPAN_ALONE.search(new) else None


def _todo_change(heard: Heard, name: str, new: str, today: date) -> Intent | None:
    from functions.agent_turn.agent.productivity_intents import update_of

    intent = update_of(heard, {"todo": name}, new, today)
    return intent if len(intent.args) > 1 else None


def _timed_change(
    heard: Heard, kind: str, name: str, new: str, context: Context, today: date
) -> Intent | Answer | None:
    rest, priority = priority_of(new)
    if kind == "reminder" and priority:
        importance = {"medium": "normal"}.get(priority, priority)
        return Intent("update_reminder", {"reminder": name, "importance": importance})
    span = _SPAN_ALONE.search(rest)
    if kind == "event" and span:
        minutes = When.of(f"for {span.group(1)}", today).duration
        return (
            Intent("update_event", {"event": name, "duration_minutes": minutes})
            if minutes
            else None
        )
    old = _old_when(context, "start" if kind == "event" else "remind_at")
    moved = calendar_intents.move_event(heard, (name, old), rest, today)
    if not isinstance(moved, Intent):
        return moved
    if kind == "event":
        return moved
    return Intent("update_reminder", {"reminder": name, "remind_at": moved.args["start"]})


def _old_when(context: Context, key: str) -> When:
    """The day and time the previous turn's event (or reminder) was at."""
    thing = context.result.get("event") or context.result.get("reminder")
    said = thing.get(key) if isinstance(thing, dict) else None
    said = said or context.args.get(key)
    try:
        moment = datetime.fromisoformat(str(said)[:16])
    except ValueError:
        return When()
    return When(day=moment.date(), time=moment.time().strftime("%H:%M"), said_time=True)
