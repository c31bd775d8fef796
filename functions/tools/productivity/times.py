"""DST-safe date-time helpers shared by reminders and calendar events.

A moment the caller gives is read in their zone (in_user_zone). Python compares and subtracts two
datetimes of one zone by their wall clocks, which is off by the DST shift across a change; elapsed
and plus go through UTC, so an hour is always an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.mcp_server.registry import CallContext, ToolRefused

MOMENT_HELP = (
    "YYYY-MM-DDTHH:MM, read as the user's local time; an offset (+02:00, Z) may be given instead"
)


def in_user_zone(ctx: CallContext, moment: datetime) -> datetime:
    """A date-time the caller gave, in their zone: a naive one is their local wall time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=ctx.zone)
    return moment.astimezone(ctx.zone)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The real time from ``start`` to ``end`` (negative if ``end`` comes first)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def plus(moment: datetime, delta: timedelta) -> datetime:
    """``delta`` of real time after ``moment``, in ``moment``'s zone."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def spoken(moment: datetime) -> str:
    """A moment as a caller hears it: "Tuesday 3 March 2026 at 14:30"."""
    return f"{moment:%A} {moment.day} {moment:%B %Y at %H:%M}"


def not_past(ctx: CallContext, moment: datetime, what: str) -> None:
    """Refuse ``moment`` (described as ``what``) if it is already past."""
    if elapsed(ctx.now, moment) < timedelta(0):
        raise ToolRefused(f"{what} ({spoken(moment)}) is in the past")
