"""When a todo, reminder or event is: the date and time phrases of a normalized utterance
(spoken.normalize), cut out of the words that name the thing itself.

``split_when("call the bank by friday at 5 pm")`` is ``("call the bank", "by friday at 5 pm")``;
``When.of`` reads the phrases against a fixed ``today`` (and ``now``, for "in two hours"). A bare
weekday is a date only at the end ("call the monday club" keeps its Monday); every other phrase
("tomorrow", "next friday", "at 3", "for an hour", "december 12th") is cut wherever it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from functions.agent_turn.agent.spoken import (
    MONTHS,
    WEEKDAYS,
    part_of_day,
    spoken_date,
    spoken_duration,
    spoken_offset,
    spoken_time,
)

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(WEEKDAYS)
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_ORD = r"(?:st|nd|rd|th)"
_PREP = r"(?:(?:on|by|for|due|until|before|from|starting|at|around)\s+)*"
_DATE = (
    rf"(?:the\s+day\s+after\s+tomorrow|today|tonight|tomorrow(?!'){_PART}|"
    rf"(?:this|next|coming)\s+(?:{_DAY}){_PART}|(?:{_MONTH})\.?\s+(?:the\s+)?\d{{1,2}}{_ORD}?|"
    rf"(?:the\s+)?\d{{1,2}}{_ORD}?\s+of\s+(?:{_MONTH})|the\s+\d{{1,2}}{_ORD}|"
    r"this\s+(?:morning|afternoon|evening)|in\s+the\s+(?:morning|afternoon|evening)|"
    r"(?:this|next)\s+week|end\s+of\s+(?:the\s+)?(?:day|week))"
)
_CLOCK = (
    r"(?:\d{1,2}(?:[:.\s][0-5]\d)?\s*(?:am|pm)|\d{1,2}\s*o'?clock|noon|midday|midnight|"
    r"(?:half\s+past|quarter\s+past|quarter\s+to)\s+\d{1,2}(?:\s*(?:am|pm))?)"
)
_TIME = rf"(?:(?:at|around|by|from)\s+)?{_CLOCK}|(?:at|around)\s+\d{{1,2}}(?:[:.\s][0-5]\d)?\b"
_SPAN = r"(?:half\s+an|an|a|\d+)\s+(?:hours?|hrs?|minutes?|mins?)(?:\s+and\s+a\s+half)?"
_LENGTH = rf"(?:for|in)\s+{_SPAN}"
_ANYWHERE = re.compile(
    rf"(?<![\w'])(?:{_PREP}(?:{_DATE})|{_TIME}|{_LENGTH})(?![\w'])(?!\s*(?:st|nd|rd|th)\b)"
)
_TRAILING_DAY = re.compile(rf"\s+{_PREP}(?:{_DAY}){_PART}\s*$")
_LEFTOVER = re.compile(
    r"^(?:(?:to|and|then|at|on|for|by|,)\s+)+|(?:\s+(?:to|and|at|on|for|by|,))+$"
)


def split_when(words: str) -> tuple[str, str]:
    """The words less their date and time phrases, and those phrases (space-joined)."""
    found = [m.group(0) for m in _ANYWHERE.finditer(words)]
    rest = _ANYWHERE.sub(" ", words)
    rest = re.sub(r"\s+", " ", rest).strip(" ,")
    trailing = _TRAILING_DAY.search(" " + rest)
    if trailing:
        found.append(trailing.group(0).strip())
        rest = (" " + rest)[: trailing.start()].strip(" ,")
    return _LEFTOVER.sub("", rest).strip(" ,"), " ".join(found)


@dataclass(frozen=True)
class When:
    """What the date and time phrases name; ``moment`` combines them."""

    day: date | None = None
    time: str | None = None  # HH:MM, said or from the part of the day
    said_time: bool = False  # a clock time was said, not only "evening"
    duration: int | None = None  # minutes
    offset: timedelta | None = None  # "in two hours"

    @classmethod
    def of(cls, phrases: str, today: date) -> When:
        clock = spoken_time(phrases, office=True)
        return cls(
            day=spoken_date(phrases, today),
            time=clock or part_of_day(phrases),
            said_time=clock is not None,
            duration=spoken_duration(phrases),
            offset=spoken_offset(phrases),
        )

    def is_empty(self) -> bool:
        return not (self.day or self.time or self.offset)

    def moment(self, today: date, now: datetime | None, *, roll: bool = True) -> str | None:
        """YYYY-MM-DDTHH:MM, or None without a time. A time without a day is today's, or
        tomorrow's once today's has passed (when ``now`` is known)."""
        if self.offset is not None:
            start = now or datetime.combine(today, datetime.now().time())
            return _iso(start + self.offset)
        if self.time is None:
            return None
        at = datetime.combine(self.day or today, time.fromisoformat(self.time))
        if roll and self.day is None and now is not None and at <= now:
            at += timedelta(days=1)
        return _iso(at)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def day_range(day: date) -> dict[str, str]:
    """A whole day, as list_events' start and end."""
    start = datetime.combine(day, time())
    return {"start": _iso(start), "end": _iso(start + timedelta(days=1))}


def end_of_week(today: date) -> date:
    """The Sunday that ends this week."""
    return today + timedelta(days=6 - today.weekday())
