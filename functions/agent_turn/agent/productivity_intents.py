"""The productivity tools' plain phrasings: todos here; reminders in reminder_intents, calendar
events and teams in calendar_intents; follow-ups of the previous turn ("make it high priority",
"no, Thursday", "cancel that one") and answers to our questions in productivity_follow_ups.

Titles keep the capitals they were said with; dates and times are cut out of them and read
against a fixed ``today`` (productivity_when), so parsing is deterministic.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from functions.agent_turn.agent import calendar_intents, productivity_follow_ups, reminder_intents
from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.productivity_heard import Heard, clean, priority_of, strip_article
from functions.agent_turn.agent.productivity_when import When, end_of_week, split_when

TODO_TOOLS = ("add_todo", "list_todos", "update_todo", "complete_todo", "delete_todo")
TOOLS = TODO_TOOLS + reminder_intents.TOOLS + calendar_intents.TOOLS
ASK_TODO_TITLE = productivity_follow_ups.ASK_TODO_TITLE

# "to do" is the list's name, but not in "what are you able to do" or "what would you like to do".
_TODO = r"(?:todo|to-do|(?<!able )(?<!you )(?<!like )(?<!want )(?<!love )to do|task)"
_PRIO = r"(?:(?:high|top|low|medium|normal|urgent|important)(?:[- ]priority)?\s+)"
_ADD_PATTERNS = [
    # "..., can you add that to my list": the thing said first, then where it goes.
    re.compile(
        r"^(?:i\s+(?:need|have|must|should|gotta|got)\s+to\s+)(?:remember\s+to\s+)?"
        r"(?P<title>.+?)[\s,?.]+(?:(?:can|could|would) you\s+|please\s+)?"
        r"(?:add|put|stick|pop|write|jot)\s+(?:that|it|this)\s+(?:down\s+)?(?:on|to|in|onto)\s+"
        rf"(?:my\s+|the\s+)?(?:{_TODO}s?(?:\s*list)?|list)\b(?P<tail>.*)$"
    ),
    # "I need to remember to call the bank": a thing to do, said as the caller thinks it.
    re.compile(
        r"^i\s+(?:need|have|must|should|want|gotta|got)\s+(?:to\s+)?remember\s+to\s+"
        r"(?P<title>.+)$"
    ),
    re.compile(
        rf"\b(?:add|create|make|put|set up|new|start|jot down|write down)\s+(?:me\s+)?"
        rf"(?:a\s+|an\s+|another\s+)?(?:new\s+)?(?P<prio>{_PRIO})?{_TODO}(?:\s+item)?"
        r"(?:\s+for\s+me)?\s*"
        r"(?:to|for|that says|saying|called|named|about|:|-|,)?(?:\s+(?P<title>.+))?$"
    ),
    # "note down that I have to ring the plumber": the thing to do, said as an obligation.
    re.compile(
        r"\b(?:note down|make a note|jot down|write down|note)\s+(?:that\s+)?i\s+(?:have|need|"
        r"must|should|gotta|got)\s+to\s+(?P<title>.+)$"
    ),
    re.compile(
        rf"\b(?:add|put|stick|pop)\s+(?P<title>.+?)\s+(?:to|on|onto)\s+(?:my\s+|the\s+)?"
        rf"(?:{_TODO}s?(?:\s*list)?|list)\b(?P<tail>.*)$"
    ),
    re.compile(rf"\bremind me to\s+(?P<title>.+?)\s+(?:on|in) my\s+{_TODO}\s*list\b(?P<tail>.*)$"),
]
_OTHER_THINGS = re.compile(
    r"\b(?:reminders?|calendar|meetings?|events?|teams?|reservations?|bookings?|"
    r"appointments?|claims?|mortgage|applications?|menu|wait ?list|waiting list)\b"
)
_LIST_PATTERNS = [
    re.compile(rf"\b(?:what|which|any)\b.*\b{_TODO}s?\b"),
    re.compile(rf"\b(?:list|show|read|tell me|give me|go over|check)\b.*\b{_TODO}s?\b"),
    re.compile(rf"^(?:my\s+)?{_TODO}s?(?:\s+list)?(?:\s+for\s+.+)?$"),
    re.compile(r"\bwhat(?:'s| is)\s+(?:left\s+)?on\s+my\s+(?:to\s*do\s+)?list\b"),
    re.compile(r"\b(?:read|show|check)\s+(?:me\s+)?my\s+list\b"),
    re.compile(r"\bon my plate\b|\b(?:what|which|any|anything)\b.*\bon my (?:to\s*do\s+)?list\b"),
    re.compile(r"\bwhat(?:'s| is)\s+(?:still\s+)?due\b"),
    re.compile(r"\b(?:show|list|read|tell)\b.*\b(?:i've|i have)\s+(?:completed|finished|done)\b"),
    re.compile(r"\bwhat\s+(?:do|else do)\s+i\s+(?:have|need|still have|got)\s+to\s+do\b"),
    re.compile(
        r"\bwhat\s+(?:have|did)\s+i\s+(?:already\s+)?(?:finish|finished|complete|get done|"
        r"got done|checked off|ticked off|crossed off|done)"
    ),
]
_DONE = re.compile(r"\b(?:finish|finished|completed?|done|checked off|crossed off|ticked off)\b")
_ALL = re.compile(
    r"\b(?:including|both|and)\b.*\b(?:done|completed?|finished)\b|\ball (?:of )?my\b"
)
_COMPLETE_PATTERNS = [
    re.compile(
        rf"\b(?:mark|check off|tick off|complete|finish|cross off)\s+(?:the\s+|my\s+)?"
        rf"(?P<title>.+?)(?:\s+{_TODO})?(?:\s+(?:as\s+)?(?:done|complete|completed|finished))?"
        rf"(?:\s+(?:on|off|from)\s+my\s+(?:{_TODO}\s*)?list)?$"
    ),
    re.compile(
        r"\bi(?:'ve| have)?\s+(?:already\s+|just\s+)?(?:finished|done|completed)\s+(?P<title>.+)$"
    ),
]
# "..., you can check that off": what came before it is done, whatever its verb ("I already
# paid the electricity bill"); the object of that verb names the todo.
_CHECK_IT_OFF = re.compile(
    r"[\s,.;]+(?:so\s+|and\s+)?(?:you\s+can\s+|can\s+you\s+|please\s+|go\s+ahead\s+and\s+)?"
    r"(?:check|tick|cross|mark)\s+(?:it|that|this)\s+(?:off|as done|done)\b.*$"
)
_DID_IT = re.compile(
    r"^i(?:'ve| have)?\s+(?:already\s+|just\s+|finally\s+)?(?:\w+ed|did|done|paid|sent|"
    r"bought|made|took|wrote|got|went to|rang|gave|put)\s+(?P<title>.+)$"
)
_VAGUE = re.compile(r"^(?:something|some things|a thing|an item|one|it|this|that|stuff)$")
_URGENT = re.compile(r"\b(?:urgent|important|pressing|high[- ]priority|top[- ]priority)\b")
_DELETE = re.compile(
    rf"\b(?:delete|remove|drop|cancel|get rid of|scratch|take|erase)\s+(?:the\s+|my\s+)?"
    rf"(?P<title>.+?)(?:\s+{_TODO})?(?:\s+(?:from|off)\s+(?:my\s+|the\s+)?(?:{_TODO}\s*)?list)?$"
)
_UPDATE = re.compile(
    rf"\b(?:change|rename|update|edit|switch|move|push|make|set|bump|turn)\s+(?:the\s+|my\s+)?"
    rf"(?P<which>.+?)\s+{_TODO}\s+(?:(?:up|down)\s+)?(?:to\s+(?:be\s+)?|into\s+|so it's\s+)?"
    r"(?P<new>.+)$"
)
_TODO_WORD = re.compile(rf"\b{_TODO}s?\b|\blist\b")


def parse(
    utterance: str, today: date, context: Context | None = None, now: datetime | None = None
) -> Intent | Answer | None:
    """A productivity tool call, a question for what one lacks, or None."""
    context = context or Context()
    heard = Heard.of(utterance)
    if not heard.words:
        return None
    return (
        productivity_follow_ups.parse(heard, today, context, now, parse)
        or _add(heard, today)
        or reminder_intents.parse(heard, today, now)
        or calendar_intents.parse(heard, today, now)
        or _change(heard, today)
        or _list(heard, today)
    )


def _add(heard: Heard, today: date) -> Intent | Answer | None:
    for pattern in _ADD_PATTERNS:
        match = pattern.search(heard.words)
        if match:
            found = match.groupdict()
            tail = (found.get("tail") or "").strip(" ,?.")
            said = f"{found.get('title') or ''} {tail}"
            return _new_todo(heard, said, found.get("prio") or "", today)
    return None


def _new_todo(heard: Heard, said: str, prio: str, today: date) -> Intent | Answer:
    said, priority = priority_of(clean(said))
    title, phrases = split_when(said)
    title = clean(re.sub(rf"^(?:{_TODO}\s+)?(?:to|that|for|:|-)\s+", "", title))
    title = clean(re.sub(r"[\s,]+(?:(?:it's|it is|that's|that is)(?:\s+due)?|due)$", "", title))
    title = clean(re.sub(r"^(?:something|a thing|an item|one thing)\s+(?:to\s+|:\s*)", "", title))
    if not title or _VAGUE.match(title):
        return Answer(ASK_TODO_TITLE, "add_todo")
    args: Args = {"title": heard.recased(title)}
    priority = priority_of(prio)[1] or ("high" if prio.strip() else None) or priority
    if priority:
        args["priority"] = priority
    return Intent("add_todo", args | due_args(When.of(phrases, today), today))


def due_args(when: When, today: date) -> Args:
    """A todo's due_date and due_time from what was said."""
    if when.is_empty():
        return {}
    args: Args = {"due_date": (when.day or today).isoformat()}
    return args | ({"due_time": when.time} if when.said_time and when.time else {})


def _change(heard: Heard, today: date) -> Intent | None:
    words = heard.words
    if _OTHER_THINGS.search(words):
        return None
    match = _UPDATE.search(words) if _TODO_WORD.search(words) else None
    if match:
        which = strip_article(match.group("which"))
        return update_of(heard, {"todo": which}, match.group("new"), today)
    match = _DELETE.search(words) if _TODO_WORD.search(words) else None
    if match and clean(match.group("title")):
        return Intent("delete_todo", {"todo": heard.recased(_hint(match.group("title")))})
    checked = _CHECK_IT_OFF.search(words)
    if checked:
        words = words[: checked.start()]
        match = _DID_IT.search(words)
        if match and clean(match.group("title")):
            return Intent("complete_todo", {"todo": heard.recased(clean(match.group("title")))})
    for pattern in _COMPLETE_PATTERNS:
        match = pattern.search(words)
        if match and clean(match.group("title")) and not re.match(r"^(?:what|which)\b", words):
            hint = clean(re.sub(rf"\b{_TODO}\b", "", clean(match.group("title"))))
            return Intent("complete_todo", {"todo": heard.recased(hint)})
    return None


def update_of(heard: Heard, which: Args, new: str, today: date) -> Intent:
    """update_todo of ``which`` with what ``new`` says: a priority, a due day, or a title."""
    rest, priority = priority_of(clean(new))
    title, phrases = split_when(rest)
    when = When.of(phrases, today)
    args = which | ({"priority": priority} if priority else {}) | due_args(when, today)
    title = strip_article(clean(re.sub(r"^(?:say|read|be|called)\s+", "", title)))
    if title and not re.fullmatch(r"(?:due|it|priority)", title):
        args["title"] = heard.recased(title)
    return Intent("update_todo", args)


def _hint(title: str) -> str:
    """Words of a todo's title, less "todo" and the articles."""
    return strip_article(clean(re.sub(rf"\b{_TODO}\b", "", clean(title))))


def _list(heard: Heard, today: date) -> Intent | None:
    words = heard.words
    if _OTHER_THINGS.search(words) or not any(p.search(words) for p in _LIST_PATTERNS):
        return None
    args: Args = {}
    if _ALL.search(words):
        args["status"] = "all"
    elif _DONE.search(words):
        args["status"] = "done"
    rest, priority = priority_of(words)
    priority = priority or ("high" if _URGENT.search(words) else None)
    if priority:
        args["priority"] = priority
    if re.search(r"\b(?:this|the) week\b", words):
        args["due_before"] = end_of_week(today).isoformat()
    else:
        day = When.of(split_when(rest)[1], today).day
        if day:
            args["due_before"] = day.isoformat()
    return Intent("list_todos", args)
