"""Calendar arithmetic for coverage: months later, age on a day, the plan year a day is in."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day if it is shorter
    (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def age_on(born: date, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class PlanYear:
    start: date
    end: date  # the last day, inclusive


def plan_year(day: date, start_month: int) -> PlanYear:
    """The plan year holding ``day``, for a plan whose year begins on the 1st of ``start_month``
    (1 for a calendar-year plan)."""
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    return PlanYear(start, add_months(start, 12) - timedelta(days=1))
