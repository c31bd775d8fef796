"""Todos: create, list with filters, update, complete, delete; always the caller's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import Field

from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    iso,
    tool,
)

TITLE_MAX_CHARS = 500  # the CHECK on productivity.todos.title
DESCRIPTION_MAX_CHARS = 2000
Priority = Literal["low", "medium", "high"]

TodoRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=TITLE_MAX_CHARS,
        description="which todo: its id (from list_todos) or words of its title",
    ),
]


@dataclass(frozen=True)
class Todo:
    id: str
    title: str
    description: str
    priority: str
    due_date: date | None
    due_time: time | None
    completed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "priority": self.priority,
            "due_date": iso(self.due_date),
            "due_time": self.due_time.strftime("%H:%M") if self.due_time else None,
            "completed": self.completed,
        }


def _todo(row: dict[str, Any]) -> Todo:
    return Todo(
        str(row["id"]),
        row["title"],
        row["description"],
        row["priority"],
        row["due_date"],
        row["due_time"],
        row["completed_at"] is not None,
    )


def _due(ctx: CallContext, due_date: date | None, due_time: time | None) -> None:
    if due_time is not None and due_date is None:
        raise ToolRefused("a due time needs a due date")
    if due_date is not None and due_date < ctx.today:
        raise ToolRefused(f"the due date {due_date.isoformat()} is in the past")
    if due_date == ctx.today and due_time is not None and due_time < ctx.now.time():
        raise ToolRefused("that time today has already passed")


def todos_of(db: Queries, user_id: str, status: str = "open", limit: int = 50) -> list[Todo]:
    rows = db.fetch_all(
        "SELECT id, title, description, priority, due_date, due_time, completed_at"
        " FROM productivity.todos WHERE user_id = :user_id"
        " AND (:status = 'all' OR (:status = 'done') = (completed_at IS NOT NULL))"
        " ORDER BY due_date NULLS LAST, due_time NULLS LAST, created_at, id LIMIT :limit",
        user_id=user_id,
        status=status,
        limit=limit,
    )
    return [_todo(r) for r in rows]


def find_todo(ctx: CallContext, ref: str, status: str = "open") -> Todo:
    """The caller's todo named by id or by words of its title, else a refusal."""
    todo_id = text.as_id(ref)
    row = todo_id and ctx.db.fetch_one(
        "SELECT id, title, description, priority, due_date, due_time, completed_at"
        " FROM productivity.todos WHERE user_id = :user_id AND id = :id",
        user_id=ctx.user_id,
        id=todo_id,
    )
    if row:
        return _todo(row)
    found = text.best_match(ref, todos_of(ctx.db, ctx.user_id, status, 500), lambda t: t.title)
    if found is None:
        raise ToolRefused(
            f"no {'open ' if status == 'open' else ''}todo matches '{text.clean(ref)}'"
        )
    return found


class AddTodo(ToolArgs):
    title: str = Field(
        min_length=1, max_length=4 * TITLE_MAX_CHARS, description="what is to be done"
    )
    description: str = Field(default="", max_length=DESCRIPTION_MAX_CHARS, description="details")
    priority: Priority = Field(default="medium", description="how important it is")
    due_date: date | None = Field(
        default=None, description="the day it is due (YYYY-MM-DD, in the user's time zone)"
    )
    due_time: time | None = Field(
        default=None, description="the time of day it is due (HH:MM, 24-hour); needs due_date"
    )


@tool(AddTodo)
def add_todo(ctx: CallContext, args: AddTodo) -> Result:
    """Add a todo to the caller's list, optionally with details, a priority and a due date and
    time."""
    title = text.required(args.title, "todo's title", TITLE_MAX_CHARS)
    _due(ctx, args.due_date, args.due_time)
    row = ctx.db.fetch_one(
        "INSERT INTO productivity.todos"
        " (id, user_id, title, description, priority, due_date, due_time, request_key)"
        " VALUES (:id, :user_id, :title, :description, :priority, :due_date, :due_time, :key)"
        " RETURNING id, title, description, priority, due_date, due_time, completed_at",
        id=ctx.stable_id(),
        user_id=ctx.user_id,
        title=title,
        description=text.clean(args.description),
        priority=args.priority,
        due_date=args.due_date,
        due_time=args.due_time,
        key=ctx.key(),
    )
    assert row is not None
    return {"created": True, "todo": _todo(row).as_dict()}


class ListTodos(ToolArgs):
    status: Literal["open", "done", "all"] = Field(
        default="open", description="open (not done yet), done, or all"
    )
    priority: Priority | None = Field(default=None, description="only todos of this priority")
    due_before: date | None = Field(
        default=None, description="only todos due on or before this day (YYYY-MM-DD)"
    )
    limit: int = Field(default=50, ge=1, le=200, description="at most this many")


@tool(ListTodos, read_only=True)
def list_todos(ctx: CallContext, args: ListTodos) -> Result:
    """List the caller's todos, soonest due first; filter by status, priority and due date."""
    rows = ctx.db.fetch_all(
        "SELECT id, title, description, priority, due_date, due_time, completed_at"
        " FROM productivity.todos WHERE user_id = :user_id"
        " AND (:status = 'all' OR (:status = 'done') = (completed_at IS NOT NULL))"
        " AND (CAST(:priority AS text) IS NULL OR priority = :priority)"
        " AND (CAST(:due_before AS date) IS NULL OR due_date <= :due_before)"
        " ORDER BY due_date NULLS LAST, due_time NULLS LAST, created_at, id LIMIT :limit",
        user_id=ctx.user_id,
        status=args.status,
        priority=args.priority,
        due_before=args.due_before,
        limit=args.limit,
    )
    return {"todos": [_todo(r).as_dict() for r in rows]}


class UpdateTodo(ToolArgs):
    todo: TodoRef
    title: str | None = Field(default=None, max_length=4 * TITLE_MAX_CHARS, description="new title")
    description: str | None = Field(
        default=None, max_length=DESCRIPTION_MAX_CHARS, description="new details"
    )
    priority: Priority | None = Field(default=None, description="new priority")
    due_date: date | None = Field(default=None, description="new due day (YYYY-MM-DD)")
    due_time: time | None = Field(default=None, description="new due time (HH:MM, 24-hour)")
    clear_due: bool = Field(default=False, description="true to remove the due date and time")


@tool(UpdateTodo)
def update_todo(ctx: CallContext, args: UpdateTodo) -> Result:
    """Change a todo of the caller's: its title, details, priority or due date and time."""
    current = find_todo(ctx, args.todo, "all")
    title = text.required(args.title, "todo's title", TITLE_MAX_CHARS) if args.title else None
    due_date = None if args.clear_due else (args.due_date or current.due_date)
    due_time = None if args.clear_due else (args.due_time or current.due_time)
    if args.due_date or args.due_time:
        _due(ctx, due_date, due_time)
    row = ctx.db.fetch_one(
        "UPDATE productivity.todos SET title = :title, description = :description,"
        " priority = :priority, due_date = :due_date, due_time = :due_time, updated_at = now()"
        " WHERE user_id = :user_id AND id = :id"
        " RETURNING id, title, description, priority, due_date, due_time, completed_at",
        title=title or current.title,
        description=current.description
        if args.description is None
        else text.clean(args.description),
        priority=args.priority or current.priority,
        due_date=due_date,
        due_time=due_time,
        user_id=ctx.user_id,
        id=current.id,
    )
    assert row is not None
    return {"todo": _todo(row).as_dict()}


class TodoOnly(ToolArgs):
    todo: TodoRef


@tool(TodoOnly)
def complete_todo(ctx: CallContext, args: TodoOnly) -> Result:
    """Mark one of the caller's open todos as done."""
    found = find_todo(ctx, args.todo)
    row = ctx.db.fetch_one(
        "UPDATE productivity.todos SET completed_at = coalesce(completed_at, now()),"
        " updated_at = now() WHERE user_id = :user_id AND id = :id"
        " RETURNING id, title, description, priority, due_date, due_time, completed_at",
        user_id=ctx.user_id,
        id=found.id,
    )
    assert row is not None
    return {"todo": _todo(row).as_dict()}


@tool(TodoOnly)
def delete_todo(ctx: CallContext, args: TodoOnly) -> Result:
    """Delete one of the caller's todos for good."""
    found = find_todo(ctx, args.todo, "all")
    ctx.db.execute(
        "DELETE FROM productivity.todos WHERE user_id = :user_id AND id = :id",
        user_id=ctx.user_id,
        id=found.id,
    )
    return {"deleted": found.as_dict()}


TOOLS: list[ToolSpec[Any]] = [add_todo, list_todos, update_todo, complete_todo, delete_todo]
