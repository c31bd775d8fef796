"""The caller's own settings the tools use: their time zone, in which every date and time they
say or hear is meant."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from pydantic import Field

from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone by a spoken-friendly key: "new york" finds America/New_York."""
    found: dict[str, str] = {}
    for zone in available_timezones():
        found[zone.lower()] = zone
        city = zone.rsplit("/", 1)[-1].replace("_", " ").lower()
        found.setdefault(city, zone)
    return found


def resolve_zone(spoken: str) -> str:
    wanted = text.clean(spoken).lower()
    zone = _zones().get(wanted) or _zones().get(wanted.replace(" ", "_"))
    if zone is None:
        raise ToolRefused(
            f"I don't know the time zone '{text.clean(spoken)}'; "
            "say a city such as New York or a zone name such as Europe/London"
        )
    return zone


class NoArgs(ToolArgs):
    pass


@tool(NoArgs, read_only=True)
def get_my_profile(ctx: CallContext, args: NoArgs) -> Result:
    """The caller's name, sign-in email or phone number, and the time zone their dates are in."""
    row = ctx.db.fetch_one(
        "SELECT display_name, email, phone FROM identity.users WHERE id = :id", id=ctx.user_id
    )
    if row is None:
        raise ToolRefused("the signed-in user is not known")
    return {
        "name": row["display_name"],
        "email": row["email"],
        "phone": row["phone"],
        "timezone": ctx.zone.key,
        "local_time": ctx.now,
    }


class SetTimezone(ToolArgs):
    timezone: str = Field(
        min_length=2,
        max_length=64,
        description="an IANA zone name (America/Chicago) or a city in it (Chicago)",
    )


@tool(SetTimezone)
def set_my_timezone(ctx: CallContext, args: SetTimezone) -> Result:
    """Set the time zone the caller's dates and times are in (reminders, events, due dates)."""
    zone = resolve_zone(args.timezone)
    ctx.db.execute(
        "UPDATE identity.users SET timezone = :zone WHERE id = :id", zone=zone, id=ctx.user_id
    )
    return {"timezone": zone}


TOOLS: list[ToolSpec[Any]] = [get_my_profile, set_my_timezone]
