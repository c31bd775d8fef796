"""Reminders in plain words: "remind me to call mom at 6 pm", "set a reminder for next Monday
at ten a.m. to pay rent", "what reminders do I have", "delete my reminder about rent"."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from functions.agent_turn.agent.dialogue import Answer, Args, Intent
from functions.agent_turn.agent.productivity_heard import (
    Heard,
    clean,
    importance_of,
    strip_article,
)
from functions.agent_turn.agent.productivity_when import When, split_when

TOOLS = ("create_reminder", "list_reminders", "update_reminder", "delete_reminder")
ASK_WHAT = "What should I remind you about?"
ASK_WHEN = "When should I remind you?"
ASK_TIME = "At what time should I remind you?"

_REMINDER = r"reminders?"
_CREATE = [
    re.compile(r"\bremind me\s+(?P<pre>.*?)\s*\b(?:to|that)\s+(?P<text>.+)$"),
    re.compile(r"\bremind me\s+(?:about|of)\s+(?P<text>.+)$"),
    re.compile(
        r"\b(?:don't let me forget|make sure i don't forget|"
        r"help me remember)\s+(?:to\s+)?(?P<text>.+)$"
    ),
    re.compile(
        rf"\b(?:set|create|add|make|put in|schedule|give me|new|like|want|need|"
        rf"get)\s+(?:me\s+)?(?:up\s+)?(?:a\s+|an\s+)?"
        rf"(?:new\s+)?(?P<imp>(?:high|low|important|urgent)(?:[- ]priority)?\s+)?{_REMINDER}\b"
        r"(?P<rest>.*)$"
    ),
    re.compile(r"^remind me\b(?P<rest>.*)$"),
]
_TEXT_AFTER = re.compile(r"^(?P<pre>.*?)\b(?:to|that says|saying|about|that|:)\s+(?P<text>.+)$")
_LOOK_UP = re.compile(
    rf"\b(?:what|which|any|list|show|read|tell|check|go over|do i have|"
    rf"have i got)\b.*\b{_REMINDER}\b"
    rf"|^(?:my\s+)?{_REMINDER}(?:\s+for\s+.+)?$"
)
_DELETE = re.compile(
    r"\b(?:delete|remove|cancel|clear|drop|get rid of|turn off|stop|erase|scrap|ditch|"
    rf"forget(?: about)?)\s+(?:the\s+|my\s+|that\s+)?"
    rf"(?P<before>.*?)\s*{_REMINDER}\b\s*(?:about|for|to|of|that says)?\s*(?P<after>.*)$"
)
_MOVE = re.compile(
    rf"\b(?:move|change|push|reschedule|update|shift)\s+(?:the\s+|my\s+)?(?P<before>.*?)\s*"
    rf"{_REMINDER}\b\s*(?:about|for|to|of)?\s*(?P<after>.*?)\s+to\s+(?P<to>.+)$"
)
_DONE = re.compile(
    rf"\bmark\s+(?:the\s+|my\s+)?(?P<before>.*?)\s*{_REMINDER}\b\s*(?:about|for|to|of)?\s*"
    r"(?P<after>.*?)\s+(?:as\s+)?(?:done|complete|completed|finished)$"
)


def parse(heard: Heard, today: date, now: datetime | None) -> Intent | Answer | None:
    words = heard.words
    if _LOOK_UP.search(words) and not _DELETE.search(words):
        return Intent("list_reminders", _list_args(words, today))
    for pattern, tool in ((_DONE, "done"), (_MOVE, "move"), (_DELETE, "delete")):
        match = pattern.search(words)
        if match:
            return _change(heard, match, tool, today, now)
    for pattern in _CREATE:
        match = pattern.search(words)
        if match:
            return _create(heard, match.groupdict(), today, now)
    return None


def _create(
    heard: Heard, found: dict[str, str | None], today: date, now: datetime | None
) -> Intent | Answer:
    pre, text = found.get("pre") or "", found.get("text") or ""
    rest = clean(found.get("rest") or "")
    if not text and rest:
        split = _TEXT_AFTER.search(rest)
        pre, text = (split.group("pre"), split.group("text")) if split else ("", rest)
    text, importance = importance_of(clean(text))
    if found.get("imp"):
        importance = "low" if "low" in str(found["imp"]) else "high"
    text, phrases = split_when(text)
    text = strip_article(clean(re.sub(r"^(?:to|for|about|that)\s+", "", text))) if text else ""
    when = When.of(f"{pre} {phrases}", today)
    if not text:
        return Answer(ASK_WHAT, "create_reminder")
    if when.is_empty():
        return Answer(ASK_WHEN, "create_reminder")
    moment = when.moment(today, now)
    if moment is None:
        return Answer(ASK_TIME, "create_reminder")
    args: Args = {"text": heard.recased(text), "remind_at": moment}
    return Intent("create_reminder", args | ({"importance": importance} if importance else {}))


def _hint(match: re.Match[str]) -> str:
    said = f"{match.group('before')} {match.group('after')}"
    hint = split_when(clean(said))[0]
    return strip_article(clean(re.sub(r"\b(?:my|the|a|all|about|for|to)\b", " ", hint)))


def _change(
    heard: Heard, match: re.Match[str], kind: str, today: date, now: datetime | None
) -> Intent | Answer:
    which = {"reminder": _hint(match)} if _hint(match) else {}
    if kind == "delete":
        return (
            Intent("delete_reminder", which)
            if which
            else Answer("Which reminder should I delete?", "delete_reminder")
        )
    if kind == "done":
        return Intent("update_reminder", which | {"done": True})
    moment = When.of(split_when("at " + match.group("to"))[1] or match.group("to"), today).moment(
        today, now
    )
    return Intent("update_reminder", which | ({"remind_at": moment} if moment else {}))


def _list_args(words: str, today: date) -> Args:
    day = When.of(split_when(words)[1], today).day
    if day is None:
        return {}
    end = datetime.combine(day + timedelta(days=1), time())
    return {"before": end.strftime("%Y-%m-%dT%H:%M")}
