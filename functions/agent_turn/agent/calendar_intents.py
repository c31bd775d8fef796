"""Calendar events and teams in plain words: "schedule a meeting with Sam tomorrow at 3 for an
hour", "put lunch with Ana on my calendar next Friday at noon", "what's on my calendar
tomorrow", "move my 3 pm meeting to 4", "cancel the meeting with Sam", "list my teams", "who is
on the design team", "what's on the design team's list"."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from functions.agent_turn.agent.dialogue import Answer, Args, Intent
from functions.agent_turn.agent.productivity_heard import Heard, clean, strip_article
from functions.agent_turn.agent.productivity_when import When, day_range, split_when
from functions.agent_turn.agent.spoken import spoken_time

EVENT_TOOLS = ("create_event", "list_events", "update_event", "delete_event")
TEAM_TOOLS = ("list_teams", "list_team_todos", "add_team_todo")
TOOLS = EVENT_TOOLS + TEAM_TOOLS
ASK_TITLE = "What should I call the event?"
ASK_WHEN = "What day and time is it?"
ASK_TIME = "At what time should it start?"

_CALENDAR = r"(?:calendar|diary|schedule|agenda)"
_EVENT = (
    r"(?:meetings?|events?|calls?|lunch|breakfast|coffee|catch[- ]?up|sync|stand[- ]?up|"
    r"interview|review|demo|session|party|class|workout|practice|1[- ]on[- ]1|one[- ]on[- ]one)"
)
_NOT_OURS = re.compile(
    r"\b(?:reservations?|bookings?|table|appointments?|todos?|tasks?|reminders?|claims?|"
    r"applications?|mortgage|team)\b"
)
_CREATE = [
    re.compile(
        rf"\b(?:put|add|pop|stick|create|block(?: out)?|book|schedule|pencil in|"
        rf"get)\s+(?P<title>.+?)\s+"
        rf"(?:on|in|to|into)\s+(?:my|the)\s+{_CALENDAR}\b(?P<tail>.*)$"
    ),
    re.compile(
        r"\b(?:schedule|set up|arrange|plan|organi[sz]e|pencil in)\s+(?:me\s+)?(?P<title>.+)$"
    ),
    re.compile(
        r"\b(?:add|create|make|book|new)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:new\s+)?(?:calendar\s+)?"
        r"(?P<kind>event|meeting|call)\b(?P<title>.*)$"
    ),
]
_LOOK_UP = [
    re.compile(
        rf"\b(?:what|what's|whats|which|any|show|list|read|tell|check|go over|how)\b.*"
        rf"\b(?:{_CALENDAR}|meetings|events|calls)\b"
    ),
    re.compile(
        rf"\b(?:am i free|am i busy|is my {_CALENDAR} (?:free|clear)|do i have any meetings)\b"
    ),
    re.compile(rf"^(?:my\s+)?{_CALENDAR}(?:\s+for\s+.+)?$"),
]
_DAY_PLANS = re.compile(
    r"\b(?:what|anything)\s+(?:do|have|did)?\s*i\s+(?:got|have|get)\s+(?:on\s+|going on\s+|"
    r"planned\s+)?"
    r"(?P<when>.+)$"
)
_MOVE = re.compile(
    r"\b(?:move|reschedule|push|shift|change|bump|switch)\s+(?:back\s+)?(?P<which>.+?)\s+"
    r"(?:to|until|till|back to|over to)\s+(?P<to>.+)$"
)
_DELETE = re.compile(
    r"\b(?:cancel|delete|remove|drop|clear|call off|scrap|get rid of|take)\s+(?P<which>.+?)"
    rf"(?:\s+(?:from|off|on|out of)\s+(?:my|the)\s+{_CALENDAR})?$"
)
_TEAMS = re.compile(
    r"\b(?:list|show|what|which|tell me|read)\b.*\bteams\b|^(?:my\s+)?teams$|\bteams? am i (?:on|"
    r"in)\b"
)
_WHO = re.compile(
    r"\b(?:who(?:'s| is| are)?|members?)\b.*\b(?:on|in|of)\s+(?:the|my|"
    r"our)\s+(?P<team>.+?)\s+team\b"
)
_TEAM_LIST = re.compile(
    r"\b(?:what's|what is|what are|show|list|read)\b.*?\b(?:the|our|"
    r"my)\s+(?P<team>.+?)\s+team(?:'s)?\s+"
    r"(?:todos?|tasks?|to-?do list|list)\b"
)
_TEAM_LIST_FOR = re.compile(
    r"\b(?:what's|what is|what are|show|list|read|tell me|give me)\b.*?\b(?:todos?|tasks?|"
    r"to-?do list|list)\s+(?:for|of|on|from)\s+(?:the|our|my)\s+(?P<team>.+?)\s+team\b"
)
_TEAM_ADD = re.compile(
    r"\badd\s+(?:a\s+)?(?:todo|task)\s+(?:for|to)\s+(?:the\s+)?(?P<team>.+?)\s+team\s+(?:to\s+|:\s*)?(?P<title>.+)$"
)


def parse(heard: Heard, today: date, now: datetime | None) -> Intent | Answer | None:
    return _team(heard, today) or _event(heard, today, now)


def _team(heard: Heard, today: date) -> Intent | None:
    words = heard.words
    match = _TEAM_ADD.search(words)
    if match:
        title = split_when(match.group("title"))[0]
        return Intent("add_team_todo", {"team": match.group("team"), "title": heard.recased(title)})
    match = _TEAM_LIST.search(words) or _TEAM_LIST_FOR.search(words)
    if match:
        return Intent("list_team_todos", {"team": strip_article(match.group("team"))})
    if _WHO.search(words) or _TEAMS.search(words):
        return Intent("list_teams", {})
    return None


def _event(heard: Heard, today: date, now: datetime | None) -> Intent | Answer | None:
    words = heard.words
    plans = _DAY_PLANS.search(words)
    if plans and not split_when(plans.group("when"))[0]:
        return Intent("list_events", _range(words, today))
    if _LOOK_UP[1].search(words) and not _NOT_OURS.search(words):  # "am I busy on Friday"
        return Intent("list_events", _range(words, today))
    ours = re.search(rf"\b{_CALENDAR}\b", words) or (
        re.search(rf"\b{_EVENT}\b", words) and not _NOT_OURS.search(words)
    )
    if ours and any(p.search(words) for p in _LOOK_UP) and not _MOVE.search(words):
        return Intent("list_events", _range(words, today))
    if ours:
        match = _MOVE.search(words)
        if match:
            return move_event(heard, _which(match.group("which"), today), match.group("to"), today)
        match = _DELETE.search(words)
        if match:
            event = heard.recased(_which(match.group("which"), today)[0])
            return Intent("delete_event", {"event": event})
    if _NOT_OURS.search(words) and not re.search(rf"\b{_CALENDAR}\b", words):
        return None
    for pattern in _CREATE:
        match = pattern.search(words)
        if match:
            found = match.groupdict()
            return _create(heard, found, today, now)
    return None


def _create(
    heard: Heard, found: dict[str, str | None], today: date, now: datetime | None
) -> Intent | Answer:
    said = clean(f"{found.get('title') or ''} {found.get('tail') or ''}")
    title, phrases = split_when(said)
    title = strip_article(clean(re.sub(r"^(?:called|named|for|about|to|:)\s+", "", title)))
    # "a meeting called budget review": the name, not the kind, is the title.
    named = re.match(rf"^(?:{_EVENT})\s+(?:called|named|titled|about)\s+(?P<t>.+)$", title)
    title = strip_article(named.group("t")) if named else title
    kind = found.get("kind")
    if kind and (not title or title.startswith(("with ", "about "))):
        title = clean(f"{kind} {title}")
    if not title:
        return Answer(ASK_TITLE, "create_event")
    when = When.of(phrases, today)
    if when.is_empty():
        return Answer(ASK_WHEN, "create_event")
    start = when.moment(today, now)
    if start is None:
        return Answer(ASK_TIME, "create_event")
    args: Args = {"title": heard.recased(title), "start": start}
    return Intent(
        "create_event", args | ({"duration_minutes": when.duration} if when.duration else {})
    )


def _which(said: str, today: date) -> tuple[str, When]:
    """An event's title words ("meeting with Sam") and the day and time it was named by."""
    title, phrases = split_when(clean(said))
    title = re.sub(r"\b(?:my|the|our|that|this)\b", " ", title)
    title = re.sub(r"^\d{1,2}(?:[:\s][0-5]\d)?\s*(?:am|pm|o'?clock)?\s+", "", clean(title))
    return strip_article(clean(title)), When.of(phrases, today)


def move_event(heard: Heard, which: tuple[str, When], to: str, today: date) -> Intent | Answer:
    """update_event of the event named ``which`` to the day and time ``to`` says, keeping what
    it does not say (the day of "move it to 4")."""
    title, old = which
    new = When.of(split_when(to)[1], today)
    clock = new.time if new.said_time else spoken_time(f"to {to}", after_to=True, office=True)
    clock = clock or new.time or old.time
    if clock and old.time and not new.said_time and not _HALF_OF_DAY.search(to):
        clock = _nearest(clock, old.time)
    args: Args = {"event": heard.recased(title)}
    if clock is None:
        return Answer(ASK_TIME, "update_event")
    day = new.day or old.day or today
    args["start"] = f"{day.isoformat()}T{clock}"
    return Intent(
        "update_event", args | ({"duration_minutes": new.duration} if new.duration else {})
    )


_HALF_OF_DAY = re.compile(r"\b(?:am|pm|morning|afternoon|evening|night|tonight|noon|midnight)\b")


def _nearest(clock: str, old: str) -> str:
    """A bare hour ("make that eight") in the half of the day nearest the old time: an
    evening reminder moved to eight is moved to 20:00."""
    hour, minutes = int(clock[:2]) % 12, int(clock[3:])
    at = int(old[:2]) * 60 + int(old[3:])
    read = int(clock[:2])
    other = hour + 12 if read == hour else hour
    closer = abs(other * 60 + minutes - at) < abs(read * 60 + minutes - at)
    return f"{other if closer else read:02d}:{minutes:02d}"


def _range(words: str, today: date) -> Args:
    if re.search(r"\bnext week\b", words):
        monday = today + timedelta(days=7 - today.weekday())
        return {
            "start": f"{monday.isoformat()}T00:00",
            "end": f"{(monday + timedelta(days=7)).isoformat()}T00:00",
        }
    if re.search(r"\bthis week\b", words):
        monday = today + timedelta(days=7 - today.weekday())
        return {"start": f"{today.isoformat()}T00:00", "end": f"{monday.isoformat()}T00:00"}
    day = When.of(split_when(words)[1], today).day
    return day_range(day) if day else {}
