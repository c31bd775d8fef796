"""The rules model's understanding: a deterministic intent-and-slot parser.

It maps an utterance to the same tool calls an LLM would make, so the offline path runs through
the same graph and tools as the cloud models. This module is the entry point: it reads todos
itself and asks each other domain's parser in turn (hanok_intents: Hanok Table's reservations).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from functions.agent_turn.agent import hanok_intents
from functions.agent_turn.agent.dialogue import Answer, Context, Intent

__all__ = ["Answer", "Context", "Intent", "parse", "parse_todo", "resolve_day", "split_due"]

_TODO = r"(?:todo|to-do|to do|task)"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_ADD_PATTERNS = [
    re.compile(
        rf"\b(?:add|create|make|put|set up|new)\s+(?:a\s+|an\s+|another\s+)?(?:new\s+)?{_TODO}"
        rf"(?:\s+item)?\s*(?:to|for|that says|saying|called|:|-)?\s+(?P<title>.+)$",
        re.I,
    ),
    re.compile(
        rf"\b(?:add|put)\s+(?P<title>.+?)\s+(?:to|on)\s+(?:my\s+|the\s+)?{_TODO}\s*list\b", re.I
    ),
    re.compile(rf"\bremind me to\s+(?P<title>.+?)\s+on my\s+{_TODO}\s*list\b", re.I),
]
_LIST_PATTERNS = [
    re.compile(rf"\b(?:what|which)\b.*\b{_TODO}s?\b", re.I),
    re.compile(rf"\b(?:list|show|read|tell me)\b.*\b{_TODO}s?\b", re.I),
    re.compile(rf"\bmy\s+{_TODO}s?(?:\s+list)?\s*\??$", re.I),
]
_COMPLETE_PATTERNS = [
    re.compile(
        rf"\b(?:mark|check off|tick off|complete|finish|cross off)\s+(?:the\s+|my\s+)?"
        rf"(?P<title>.+?)(?:\s+{_TODO})?(?:\s+(?:as\s+)?(?:done|complete|completed|finished))?$",
        re.I,
    ),
    re.compile(r"\bi(?:'ve| have)?\s+(?:finished|done|completed)\s+(?P<title>.+)$", re.I),
]
_DUE = re.compile(
    r"\s+(?:on|by|for|this|next|due)?\s*(?P<when>today|tonight|tomorrow|"
    + "|".join(_WEEKDAYS)
    + r")\s*$",
    re.I,
)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!?,;:\"'")).strip()


def resolve_day(word: str, today: date) -> date:
    word = word.lower()
    if word in ("today", "tonight"):
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    ahead = (_WEEKDAYS.index(word) - today.weekday()) % 7
    return today + timedelta(days=ahead or 7)


def split_due(title: str, today: date) -> tuple[str, str | None]:
    match = _DUE.search(title)
    if not match:
        return title, None
    return _clean(title[: match.start()]), resolve_day(match.group("when"), today).isoformat()


def parse(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    """What the utterance asks for: a tool call, a question back, or None (not understood).
    ``context`` is what the previous turn left, for follow-ups ("yes, cancel it")."""
    return parse_todo(utterance, today) or hanok_intents.parse(utterance, today, context)


def parse_todo(utterance: str, today: date) -> Intent | None:
    text = _clean(utterance)
    if not text:
        return None
    for pattern in _ADD_PATTERNS:
        match = pattern.search(text)
        if match:
            title, due = split_due(_clean(match.group("title")), today)
            if title:
                args: dict[str, Any] = {"title": title}
                if due:
                    args["due_date"] = due
                return Intent("add_todo", args)
    for pattern in _COMPLETE_PATTERNS:
        match = pattern.search(text)
        if match and _clean(match.group("title")):
            hint = re.sub(rf"\b{_TODO}\b", "", _clean(match.group("title")), flags=re.I)
            return Intent("complete_todo", {"todo": _clean(hint)})
    for pattern in _LIST_PATTERNS:
        if pattern.search(text):
            return Intent("list_todos", {})
    return None
