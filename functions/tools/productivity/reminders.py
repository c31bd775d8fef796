"""Reminders: create, list, update, delete; always the caller's own, times in the caller's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from functions.tools.productivity.times import MOMENT_HELP, in_user_zone, not_past
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

TEXT_MAX_CHARS = 500  # the CHECK on productivity.reminders.text
Importance = Literal["low", "normal", "high"]
_COLUMNS = "id, text, remind_at, importance, done_at"

ReminderRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        description="which reminder: its id (from list_reminders) or words of its text",
    ),
]


@dataclass(frozen=True)
class Reminder:
    id: str
    text: str
    remind_at: datetime  # aware, in the user's zone
    importance: str
    done: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "remind_at": self.remind_at.isoformat(),
            "importance": self.importance,
            "done": self.done,
        }


def _reminder(ctx: CallContext, row: dict[str, Any]) -> Reminder:
    return Reminder(
        str(row["id"]),
        row["text"],
        ctx.local(row["remind_at"]),
        row["importance"],
        row["done_at"] is not None,
    )


def _candidates(db: Queries, user_id: str) -> list[dict[str, Any]]:
    """The caller's reminders for matching by words: open upcoming ones first, soonest first."""
    return db.fetch_all(
        f"SELECT {_COLUMNS} FROM productivity.reminders WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " ORDER BY done_at IS NOT NULL, remind_at < now(), remind_at LIMIT 500",
        user_id=user_id,
    )


def find_reminder(ctx: CallContext, ref: str) -> Reminder:
    """The caller's reminder named by id or by words of its text, else a refusal."""
    reminder_id = text.as_id(ref)
    row = reminder_id and ctx.db.fetch_one(
        f"SELECT {_COLUMNS} FROM productivity.reminders WHERE user_id = :user_id AND id = :id",  # noqa: S608 - our own column list
        user_id=ctx.user_id,
        id=reminder_id,
    )
    if row:
        return _reminder(ctx, row)
    rows = _candidates(ctx.db, ctx.user_id)
    found = text.best_match(ref, rows, lambda r: str(r["text"]))
    if found is None:
        raise ToolRefused(f"no reminder matches '{text.clean(ref)}'")
    return _reminder(ctx, found)


class CreateReminder(ToolArgs):
    text: str = Field(
        min_length=1, max_length=4 * TEXT_MAX_CHARS, description="what to be reminded of"
    )
    remind_at: datetime = Field(description=f"when to remind: {MOMENT_HELP}")
    importance: Importance = Field(default="normal", description="how important it is")


@tool(CreateReminder)
def create_reminder(ctx: CallContext, args: CreateReminder) -> Result:
    """Set a reminder for the caller at a date and time (their local time unless an offset is
    given). The time must be in the future."""
    body = text.required(args.text, "reminder", TEXT_MAX_CHARS)
    remind_at = in_user_zone(ctx, args.remind_at)
    not_past(ctx, remind_at, "that time")
    row = ctx.db.fetch_one(
        "INSERT INTO productivity.reminders (id, user_id, text, remind_at, importance)"  # noqa: S608 - our own column list
        f" VALUES (:id, :user_id, :text, :remind_at, :importance) RETURNING {_COLUMNS}",
        id=ctx.stable_id(),
        user_id=ctx.user_id,
        text=body,
        remind_at=remind_at,
        importance=args.importance,
    )
    assert row is not None
    return {"created": True, "reminder": _reminder(ctx, row).as_dict()}


class ListReminders(ToolArgs):
    include_past: bool = Field(
        default=False, description="true to include reminders whose time has passed"
    )
    include_done: bool = Field(default=False, description="true to include reminders marked done")
    importance: Importance | None = Field(default=None, description="only this importance")
    before: datetime | None = Field(
        default=None, description=f"only reminders due before this moment: {MOMENT_HELP}"
    )
    limit: int = Field(default=50, ge=1, le=200, description="at most this many")


@tool(ListReminders, read_only=True)
def list_reminders(ctx: CallContext, args: ListReminders) -> Result:
    """List the caller's reminders, soonest first: by default only upcoming ones not yet done;
    filter by importance and by a moment they fall before."""
    before = in_user_zone(ctx, args.before) if args.before else None
    rows = ctx.db.fetch_all(
        f"SELECT {_COLUMNS} FROM productivity.reminders WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND (:include_past OR remind_at >= :now)"
        " AND (:include_done OR done_at IS NULL)"
        " AND (CAST(:importance AS text) IS NULL OR importance = :importance)"
        " AND (CAST(:before AS timestamptz) IS NULL OR remind_at < :before)"
        " ORDER BY remind_at, id LIMIT :limit",
        user_id=ctx.user_id,
        include_past=args.include_past,
        now=ctx.now,
        include_done=args.include_done,
        importance=args.importance,
        before=before,
        limit=args.limit,
    )
    return {"reminders": [_reminder(ctx, r).as_dict() for r in rows], "now": ctx.now.isoformat()}


class UpdateReminder(ToolArgs):
    reminder: ReminderRef
    text: str | None = Field(default=None, max_length=4 * TEXT_MAX_CHARS, description="new text")
    remind_at: datetime | None = Field(default=None, description=f"new time: {MOMENT_HELP}")
    importance: Importance | None = Field(default=None, description="new importance")
    done: bool | None = Field(
        default=None, description="true to mark the reminder done, false to reopen it"
    )


@tool(UpdateReminder)
def update_reminder(ctx: CallContext, args: UpdateReminder) -> Result:
    """Change one of the caller's reminders: its text, time or importance, or mark it done (or
    not done)."""
    current = find_reminder(ctx, args.reminder)
    body = text.required(args.text, "reminder", TEXT_MAX_CHARS) if args.text else current.text
    remind_at = current.remind_at
    if args.remind_at is not None:
        remind_at = in_user_zone(ctx, args.remind_at)
        not_past(ctx, remind_at, "the new time")
    done = current.done if args.done is None else args.done
    row = ctx.db.fetch_one(
        "UPDATE productivity.reminders SET text = :text, remind_at = :remind_at,"  # noqa: S608 - our own column list
        " importance = :importance, updated_at = now(),"
        " done_at = CASE WHEN :done THEN coalesce(done_at, now()) END"
        f" WHERE user_id = :user_id AND id = :id RETURNING {_COLUMNS}",
        text=body,
        remind_at=remind_at,
        importance=args.importance or current.importance,
        done=done,
        user_id=ctx.user_id,
        id=current.id,
    )
    assert row is not None
    return {"reminder": _reminder(ctx, row).as_dict()}


class ReminderOnly(ToolArgs):
    reminder: ReminderRef


@tool(ReminderOnly)
def delete_reminder(ctx: CallContext, args: ReminderOnly) -> Result:
    """Delete one of the caller's reminders for good."""
    found = find_reminder(ctx, args.reminder)
    ctx.db.execute(
        "DELETE FROM productivity.reminders WHERE user_id = :user_id AND id = :id",
        user_id=ctx.user_id,
        id=found.id,
    )
    return {"deleted": found.as_dict()}


TOOLS: list[ToolSpec[Any]] = [create_reminder, list_reminders, update_reminder, delete_reminder]
