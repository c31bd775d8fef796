"""Dates, times and party sizes as a caller says them to a restaurant (or to a diary).

Spoken numbers become digits with text2num ("six thirty" -> "6 30", "party of eight" -> "party
of 8", "the twelfth" -> "the 12th"); month and weekday names come from Python's calendar. Dates
are resolved against a given ``today``, so parsing is deterministic.

dateparser was measured for the dates: about 1 ms a call once warm, but some 430 ms for its
import and first call (a cold instance's first turn), it needs the date phrase cut out of the
utterance first, and it resolves "the 12th" a year ahead. The handful of forms a caller uses
(today, tomorrow, a weekday, "December 12th", "the 12th") are a few lines of datetime instead.

A diary's hours differ from a restaurant's: ``spoken_time(..., office=True)`` reads a bare 9 as
the morning and a bare 3 as the afternoon; ``part_of_day`` gives "tomorrow evening" its hour
(morning 09:00, afternoon 15:00, evening 18:00, tonight 20:00), and ``spoken_offset`` and
``spoken_duration`` read "in two hours" and "for an hour and a half".
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from text_to_num import alpha2digit

WEEKDAYS = [name.lower() for name in calendar.day_name]
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    abbr.lower(): i for i, abbr in enumerate(calendar.month_abbr) if abbr
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<day>\d{{1,2}}){_ORD}\b")
_DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<month>{_MONTH})\b")
_DAY_OF_MONTH = re.compile(r"\bthe\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b")
_RELATIVE = re.compile(r"\b(?:the\s+)?(?P<word>day after tomorrow|today|tonight|tomorrow)\b")
_WEEKDAY = re.compile(rf"\b(?P<next>next\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})s?\b")
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "day after tomorrow": 2}

_NOT_A_TIME = (
    r"(?!\s*(?:people|persons?|guests?|diners|adults|of us|total\b|more\b|st\b|nd\b|rd\b|th\b|"
    r":?\d))"
)
_MINUTES = r"(?:[:.\s](?P<minutes>[0-5]\d))?"
# "930 am", "1130pm": speech-to-text writes a clock time without its colon.
_MERIDIEM = re.compile(
    r"\b(?P<hour>\d{1,2})(?:[:.\s]?(?P<minutes>[0-5]\d))?\s*(?P<meridiem>am|pm)\b"
)
_OCLOCK = re.compile(r"\b(?P<hour>\d{1,2})\s*o'?clock\b")
_PAST_TO = re.compile(
    r"\b(?P<part>half past|quarter past|quarter to)\s+(?P<hour>\d{1,2})\b"
    r"(?:\s*(?P<meridiem>am|pm)\b)?"
)
_AT = re.compile(rf"\b(?:at|around|about|by)\s+(?P<hour>\d{{1,2}}){_MINUTES}\b{_NOT_A_TIME}")
# "at 730", "around 1130": an hour of the clock (1 to 12) and its minutes run together, as
# speech-to-text writes them; not a year ("by 2030"), an amount ("at 730 dollars") or a phone
# number ("at 555-0100", "at 415 555 0100").
_COMPACT = re.compile(
    r"\b(?:at|around|by)\s+(?P<hour>[1-9]|1[0-2])(?P<minutes>[0-5]\d)\b"
    r"(?![-./]\d|\s+\d|\s*(?:%|k\b|dollars?|bucks|euros?|pounds?|percent|thousand|people|persons?|"
    r"guests?|of us\b|st\b|nd\b|rd\b|th\b))"
)
_TO = re.compile(rf"\bto\s+(?P<hour>\d{{1,2}}){_MINUTES}\b{_NOT_A_TIME}")
_BARE = re.compile(rf"(?<!\bfor )(?<!\bof )\b(?P<hour>\d{{1,2}}){_MINUTES}\b{_NOT_A_TIME}")
_NOON = re.compile(r"\b(?:noon|midday)\b")
_PAST_TO_MINUTES = {"half past": 30, "quarter past": 15, "quarter to": -15}
_MIDNIGHT = re.compile(r"\bmidnight\b")
_MORNING = re.compile(r"\b(?:morning|breakfast)\b")
_AFTERNOON = re.compile(r"\bafternoon\b")
_EVENING = re.compile(r"\b(?:evening|tonight|night|dinner)\b")
_PARTS_OF_DAY = (
    (_MORNING, "09:00"),
    (_AFTERNOON, "15:00"),
    (re.compile(r"\b(?:tonight|night)\b"), "20:00"),
    (_EVENING, "18:00"),
)
_SPAN = (
    r"(?P<n>half an|an|a|\d+(?:\.\d+)?)\s+(?P<unit>hours?|hrs?|minutes?|mins?)"
    r"(?P<half> and a half)?"
)
_OFFSET = re.compile(rf"\bin\s+{_SPAN}\b")
_DURATION = re.compile(rf"\bfor\s+{_SPAN}\b")

_PARTY = [
    # "a party of 8", "a group of 10", "a table of 4", "6 total", "a total of 6"
    re.compile(r"\b(?:party|group|table|total) of\s+(?P<n>\d{1,2})\b"),
    re.compile(r"\b(?P<n>\d{1,2})\s+(?:total|in total|altogether|all together)\b"),
    re.compile(r"\b(?P<n>\d{1,2})\s+(?:people|persons?|guests?|diners|adults|of us)\b"),
    re.compile(r"\bfor\s+(?P<n>\d{1,2})\b(?!\s*(?:am|pm|o'?clock|st\b|nd\b|rd\b|th\b|[:.]?\d))"),
]
_JUST_ME = re.compile(r"\b(?:just me|only me|myself)\b")


def normalize(text: str) -> str:
    """Lower case, plain apostrophes, "p.m." as "pm", and spoken numbers as digits."""
    text = text.replace("\u2019", "'").lower()
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)
    return str(alpha2digit(text, "en", threshold=0))


def spoken_date(text: str, today: date) -> date | None:
    """The day a normalized utterance names, if any."""
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        match = pattern.search(text)
        if match:
            return _month_day(MONTHS[match.group("month")], int(match.group("day")), today)
    match = _DAY_OF_MONTH.search(text)
    if match:
        return _day_of_month(int(match.group("day")), today)
    match = _RELATIVE.search(text)
    if match:
        return today + timedelta(days=_RELATIVE_DAYS[match.group("word")])
    match = _WEEKDAY.search(text)
    if match:
        return next_weekday(match.group("weekday"), today, said_next=bool(match.group("next")))
    return None


def next_weekday(name: str, today: date, *, said_next: bool = False) -> date:
    """The next such day after today ("Friday", "next Friday", "this Friday" alike), except
    that "next Wednesday" said on a Tuesday is a week on: tomorrow would have been "tomorrow"."""
    ahead = (WEEKDAYS.index(name) - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead + (7 if said_next and ahead == 1 else 0))


def _month_day(month: int, day: int, today: date) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _day_of_month(day: int, today: date) -> date | None:
    """ "The 12th": this month's, or next month's once this month's has passed."""
    month, year = today.month, today.year
    for _ in range(2):
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= today:
            return found
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None


def spoken_time(
    text: str, *, after_to: bool = False, bare: bool = False, office: bool = False
) -> str | None:
    """The time of day a normalized utterance names, as HH:MM. ``after_to`` also reads "to 8"
    (as in "move it to 8"), ``bare`` a number alone ("6 30 then", after times were offered),
    ``office`` a bare hour as a diary means it (9 in the morning, 3 in the afternoon)."""
    if _NOON.search(text):
        return "12:00"
    if office and _MIDNIGHT.search(text):
        return "00:00"
    hour_of = _office_hour if office else _hour
    match = _PAST_TO.search(text)
    if match:
        minutes = _PAST_TO_MINUTES[match.group("part")]
        hour = int(match.group("hour")) - (1 if minutes < 0 else 0)
        return _clock(hour_of(hour, match.group("meridiem"), text), minutes % 60)
    extra = ((_TO,) if after_to else ()) + ((_BARE,) if bare else ())
    for pattern in (_MERIDIEM, _OCLOCK, _AT, _COMPACT, *extra):
        match = pattern.search(_without_dates(text) if pattern is _BARE else text)
        if match:
            found = match.groupdict()
            hour = hour_of(int(found["hour"]), found.get("meridiem"), text)
            return _clock(hour, int(found.get("minutes") or 0))
    return None


def _without_dates(text: str) -> str:
    """The text less its "December 12" and "12th of December": no bare time in them."""
    return _DAY_MONTH.sub(" ", _MONTH_DAY.sub(" ", text))


def _hour(hour: int, meridiem: str | None, text: str) -> int:
    """A bare hour as a restaurant means it: 1 to 10 are p.m. unless the morning says
    otherwise; at lunch only 1 to 5 are (lunch at 11:30, at 1)."""
    if meridiem:
        return hour % 12 + (12 if meridiem == "pm" else 0)
    if re.search(r"\b(?:morning|breakfast)\b", text):
        return hour
    if re.search(r"\b(?:lunch|brunch)\b", text):
        return hour + 12 if 1 <= hour <= 5 else hour
    return hour + 12 if 1 <= hour <= 10 else hour


def _office_hour(hour: int, meridiem: str | None, text: str) -> int:
    """A bare hour as a diary means it: 7 to 11 in the morning, 12 to 6 in the afternoon,
    unless the words say which half of the day."""
    if meridiem:
        return hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 12:
        return hour
    if _EVENING.search(text) or _AFTERNOON.search(text):
        return hour % 12 + 12
    if _MORNING.search(text):
        return hour % 12
    return hour + 12 if 1 <= hour <= 6 else hour


def part_of_day(text: str) -> str | None:
    """The hour a part of the day stands for ("tomorrow evening": 18:00), as HH:MM."""
    for pattern, hhmm in _PARTS_OF_DAY:
        if pattern.search(text):
            return hhmm
    return None


def spoken_offset(text: str) -> timedelta | None:
    """How far ahead "in two hours", "in 20 minutes" or "in half an hour" is."""
    match = _OFFSET.search(text)
    return timedelta(minutes=_minutes_of(match)) if match else None


def spoken_duration(text: str) -> int | None:
    """How many minutes "for an hour", "for 90 minutes" or "for an hour and a half" last."""
    match = _DURATION.search(text)
    return _minutes_of(match) if match else None


def _minutes_of(match: re.Match[str]) -> int:
    count = match.group("n")
    number = 0.5 if count == "half an" else 1.0 if count in ("a", "an") else float(count)
    number += 0.5 if match.group("half") else 0
    return round(number * (60 if match.group("unit").startswith("h") else 1))


def _clock(hour: int, minutes: int) -> str | None:
    return f"{hour:02d}:{minutes:02d}" if 0 <= hour <= 23 and 0 <= minutes <= 59 else None


def party_size(text: str) -> int | None:
    """How many people a normalized utterance books for, if it says."""
    for pattern in _PARTY:
        match = pattern.search(text)
        if match and int(match.group("n")) > 0:
            return int(match.group("n"))
    return 1 if _JUST_ME.search(text) else None
