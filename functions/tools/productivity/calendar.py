"""Calendar events: create, list by range, update, delete; always the caller's own.

A new or moved event that overlaps the caller's other events is still saved; the result lists
the overlaps so the model can tell the caller. When Google Calendar sync is configured, each
change is also made there (google_calendar.py); a failed sync keeps the local change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from functions.tools.productivity import google_calendar
from functions.tools.productivity.times import (
    MOMENT_HELP,
    elapsed,
    in_user_zone,
    not_past,
    plus,
)
from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    tool,
)

TITLE_MAX_CHARS = 300  # the CHECKs on productivity.events
DESCRIPTION_MAX_CHARS = 2000
LOCATION_MAX_CHARS = 300
DEFAULT_DURATION = timedelta(hours=1)
MAX_DURATION_MINUTES = 7 * 24 * 60  # the CHECK events_bounded
MAX_LIST_DAYS = 366
_COLUMNS = "id, title, description, location, starts_at, ends_at, google_event_id"

EventRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TITLE_MAX_CHARS,
        description="which event: its id (from list_events) or words of its title",
    ),
]
Duration = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_DURATION_MINUTES,
        description="how long it lasts in minutes (instead of an end)",
    ),
]


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    description: str
    location: str
    start: datetime  # aware, in the user's zone
    end: datetime
    google_event_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "duration_minutes": int(elapsed(self.start, self.end).total_seconds() // 60),
        }

    def for_google(self, ctx: CallContext) -> google_calendar.GoogleEvent:
        return google_calendar.GoogleEvent(
            self.id, self.title, self.description, self.location, self.start, self.end, ctx.zone.key
        )


def _event(ctx: CallContext, row: dict[str, Any]) -> Event:
    return Event(
        str(row["id"]),
        row["title"],
        row["description"],
        row["location"],
        ctx.local(row["starts_at"]),
        ctx.local(row["ends_at"]),
        row["google_event_id"],
    )


def _end(start: datetime, end: datetime | None, minutes: int | None) -> datetime:
    """The end from an end or a duration (an hour if neither), checked against the start."""
    if end is not None and minutes is not None:
        raise ToolRefused("give either an end time or a duration, not both")
    if end is None:
        end = plus(start, timedelta(minutes=minutes) if minutes else DEFAULT_DURATION)
    if elapsed(start, end) <= timedelta(0):
        raise ToolRefused("the end must be after the start")
    if elapsed(start, end) > timedelta(minutes=MAX_DURATION_MINUTES):
        raise ToolRefused("an event can last at most 7 days")
    return end


def overlapping(
    ctx: CallContext, start: datetime, end: datetime, except_id: str | None = None
) -> list[Event]:
    """The caller's events that share some time with [start, end)."""
    rows = ctx.db.fetch_all(
        f"SELECT {_COLUMNS} FROM productivity.events WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND starts_at < :end AND ends_at > :start"
        " AND (CAST(:except_id AS uuid) IS NULL OR id <> CAST(:except_id AS uuid))"
        " ORDER BY starts_at, id LIMIT 20",
        user_id=ctx.user_id,
        start=start,
        end=end,
        except_id=except_id,
    )
    return [_event(ctx, r) for r in rows]


def _candidates(db: Queries, user_id: str) -> list[dict[str, Any]]:
    """The caller's events for matching by words: upcoming soonest first, then recent past."""
    return db.fetch_all(
        f"SELECT {_COLUMNS} FROM productivity.events WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " ORDER BY ends_at < now(), CASE WHEN ends_at >= now() THEN starts_at END,"
        " starts_at DESC LIMIT 500",
        user_id=user_id,
    )


def find_event(ctx: CallContext, ref: str) -> Event:
    """The caller's event named by id or by words of its title, else a refusal."""
    event_id = text.as_id(ref)
    row = event_id and ctx.db.fetch_one(
        f"SELECT {_COLUMNS} FROM productivity.events WHERE user_id = :user_id AND id = :id",  # noqa: S608 - our own column list
        user_id=ctx.user_id,
        id=event_id,
    )
    if row:
        return _event(ctx, row)
    found = text.best_match(ref, _candidates(ctx.db, ctx.user_id), lambda r: str(r["title"]))
    if found is None:
        raise ToolRefused(f"no event matches '{text.clean(ref)}'")
    return _event(ctx, found)


def _record_google_id(ctx: CallContext, event: Event, outcome: google_calendar.SyncOutcome) -> None:
    if outcome.google_event_id and outcome.google_event_id != event.google_event_id:
        ctx.db.execute(
            "UPDATE productivity.events SET google_event_id = :google_id"
            " WHERE user_id = :user_id AND id = :id",
            google_id=outcome.google_event_id,
            user_id=ctx.user_id,
            id=event.id,
        )


class CreateEvent(ToolArgs):
    title: str = Field(
        min_length=1, max_length=4 * TITLE_MAX_CHARS, description="what the event is"
    )
    start: datetime = Field(description=f"when it starts: {MOMENT_HELP}")
    end: datetime | None = Field(
        default=None, description=f"when it ends (or give duration_minutes): {MOMENT_HELP}"
    )
    duration_minutes: Duration = None
    location: str = Field(default="", max_length=LOCATION_MAX_CHARS, description="where")
    description: str = Field(default="", max_length=DESCRIPTION_MAX_CHARS, description="details")


@tool(CreateEvent)
def create_event(ctx: CallContext, args: CreateEvent) -> Result:
    """Put an event in the caller's calendar. Give an end or a duration (an hour if neither).
    It is saved even if it overlaps other events; `overlaps` lists them so the caller can be
    told. `synced` says whether it is also in their Google Calendar."""
    title = text.required(args.title, "event's title", TITLE_MAX_CHARS)
    start = in_user_zone(ctx, args.start)
    not_past(ctx, start, "that start time")
    end = _end(start, in_user_zone(ctx, args.end) if args.end else None, args.duration_minutes)
    overlaps = overlapping(ctx, start, end)
    row = ctx.db.fetch_one(
        "INSERT INTO productivity.events"  # noqa: S608 - our own column list
        " (id, user_id, title, description, location, starts_at, ends_at)"
        " VALUES (:id, :user_id, :title, :description, :location, :start, :end)"
        f" RETURNING {_COLUMNS}",
        id=ctx.stable_id(),
        user_id=ctx.user_id,
        title=title,
        description=text.clean(args.description),
        location=text.clean(args.location),
        start=start,
        end=end,
    )
    assert row is not None
    event = _event(ctx, row)
    outcome = google_calendar.push(event.for_google(ctx), None)
    _record_google_id(ctx, event, outcome)
    return {
        "created": True,
        "event": event.as_dict(),
        "overlaps": [e.as_dict() for e in overlaps],
        **outcome.as_dict(),
    }


class ListEvents(ToolArgs):
    start: datetime | None = Field(
        default=None, description=f"from this moment (default: now): {MOMENT_HELP}"
    )
    end: datetime | None = Field(
        default=None, description=f"up to this moment (default: 7 days after start): {MOMENT_HELP}"
    )
    limit: int = Field(default=50, ge=1, le=200, description="at most this many")


@tool(ListEvents, read_only=True)
def list_events(ctx: CallContext, args: ListEvents) -> Result:
    """List the caller's calendar events that take place (at least partly) between start and
    end, earliest first; by default the next 7 days."""
    start = in_user_zone(ctx, args.start) if args.start else ctx.now
    end = in_user_zone(ctx, args.end) if args.end else start + timedelta(days=7)
    if elapsed(start, end) <= timedelta(0):
        raise ToolRefused("the end of the range must be after its start")
    if elapsed(start, end) > timedelta(days=MAX_LIST_DAYS):
        raise ToolRefused(f"a range can cover at most {MAX_LIST_DAYS} days")
    rows = ctx.db.fetch_all(
        f"SELECT {_COLUMNS} FROM productivity.events WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND starts_at < :end AND ends_at > :start ORDER BY starts_at, id LIMIT :limit",
        user_id=ctx.user_id,
        start=start,
        end=end,
        limit=args.limit,
    )
    return {
        "events": [_event(ctx, r).as_dict() for r in rows],
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


class UpdateEvent(ToolArgs):
    event: EventRef
    title: str | None = Field(default=None, max_length=4 * TITLE_MAX_CHARS, description="new title")
    start: datetime | None = Field(
        default=None,
        description=f"new start; without a new end or duration it keeps its length: {MOMENT_HELP}",
    )
    end: datetime | None = Field(default=None, description=f"new end: {MOMENT_HELP}")
    duration_minutes: Duration = None
    location: str | None = Field(default=None, max_length=LOCATION_MAX_CHARS, description="where")
    description: str | None = Field(
        default=None, max_length=DESCRIPTION_MAX_CHARS, description="new details"
    )


def _moved(ctx: CallContext, current: Event, args: UpdateEvent) -> tuple[datetime, datetime]:
    start = current.start
    if args.start is not None:
        start = in_user_zone(ctx, args.start)
        not_past(ctx, start, "the new start time")
    if args.end is None and args.duration_minutes is None:
        return start, _end(start, plus(start, elapsed(current.start, current.end)), None)
    return start, _end(
        start, in_user_zone(ctx, args.end) if args.end else None, args.duration_minutes
    )


@tool(UpdateEvent)
def update_event(ctx: CallContext, args: UpdateEvent) -> Result:
    """Change one of the caller's events: its title, time (move it, or change its end or
    length), location or details. A moved event's `overlaps` lists the caller's other events
    it now shares time with; it is moved anyway."""
    current = find_event(ctx, args.event)
    title = text.required(args.title, "event's title", TITLE_MAX_CHARS) if args.title else None
    start, end = _moved(ctx, current, args)
    moved = bool(elapsed(current.start, start) or elapsed(current.end, end))
    row = ctx.db.fetch_one(
        "UPDATE productivity.events SET title = :title, description = :description,"  # noqa: S608 - our own column list
        " location = :location, starts_at = :start, ends_at = :end, updated_at = now()"
        f" WHERE user_id = :user_id AND id = :id RETURNING {_COLUMNS}",
        title=title or current.title,
        description=current.description
        if args.description is None
        else text.clean(args.description),
        location=current.location if args.location is None else text.clean(args.location),
        start=start,
        end=end,
        user_id=ctx.user_id,
        id=current.id,
    )
    assert row is not None
    event = _event(ctx, row)
    overlaps = overlapping(ctx, start, end, except_id=event.id) if moved else []
    outcome = google_calendar.push(event.for_google(ctx), event.google_event_id)
    _record_google_id(ctx, event, outcome)
    return {
        "event": event.as_dict(),
        "overlaps": [e.as_dict() for e in overlaps],
        **outcome.as_dict(),
    }


class EventOnly(ToolArgs):
    event: EventRef


@tool(EventOnly)
def delete_event(ctx: CallContext, args: EventOnly) -> Result:
    """Delete one of the caller's calendar events (from Google Calendar too when synced)."""
    found = find_event(ctx, args.event)
    ctx.db.execute(
        "DELETE FROM productivity.events WHERE user_id = :user_id AND id = :id",
        user_id=ctx.user_id,
        id=found.id,
    )
    outcome = google_calendar.remove(found.id, found.google_event_id)
    return {"deleted": found.as_dict(), **outcome.as_dict()}


TOOLS: list[ToolSpec[Any]] = [create_event, list_events, update_event, delete_event]
