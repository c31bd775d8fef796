"""Todos, always scoped to one user. Every write takes a request key so a retry is a no-op."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.db import Database

TITLE_MAX_CHARS = 500  # the CHECK on productivity.todos.title
# Control characters (PostgreSQL text cannot hold NUL; the others are noise in a title) and
# unpaired surrogates (not encodable as UTF-8) cannot be stored: each becomes a space.
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


class InvalidTodo(ValueError):
    """The todo cannot be stored as given; the message says why, in words a caller can hear."""


def clean_title(raw: str) -> str:
    """The title as it can be stored: each unstorable character a space, spaces collapsed."""
    return _SPACES.sub(" ", _UNSTORABLE.sub(" ", raw)).strip()


def checked_title(raw: str) -> str:
    """The cleaned title, or InvalidTodo if what is left cannot be a todo's title."""
    title = clean_title(raw)
    if not title:
        raise InvalidTodo("the todo needs a title")
    if len(title) > TITLE_MAX_CHARS:
        raise InvalidTodo(
            f"the title is too long; a todo title can have at most {TITLE_MAX_CHARS} characters"
        )
    return title


@dataclass(frozen=True)
class Todo:
    id: str
    title: str
    due_date: date | None
    completed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "completed": self.completed,
        }


def _todo(row: dict[str, Any]) -> Todo:
    return Todo(str(row["id"]), row["title"], row["due_date"], row["completed_at"] is not None)


def add_todo(
    db: Database, user_id: str, title: str, due_date: date | None, request_key: str
) -> tuple[Todo, bool]:
    """Insert the todo unless this request key already did; return it and whether it is new.
    Raises InvalidTodo for a title that cannot be stored."""
    title = checked_title(title)
    row = db.fetch_one(
        "INSERT INTO productivity.todos (id, user_id, title, due_date, request_key)"
        " VALUES (:id, :user_id, :title, :due, :key)"
        " ON CONFLICT (user_id, request_key) DO NOTHING"
        " RETURNING id, title, due_date, completed_at",
        id=str(uuid.uuid4()),
        user_id=user_id,
        title=title,
        due=due_date,
        key=request_key,
    )
    if row is not None:
        return _todo(row), True
    existing = db.fetch_one(
        "SELECT id, title, due_date, completed_at FROM productivity.todos"
        " WHERE user_id = :user_id AND request_key = :key",
        user_id=user_id,
        key=request_key,
    )
    assert existing is not None  # the conflict that skipped the insert is this row
    return _todo(existing), False


def list_todos(
    db: Database, user_id: str, include_completed: bool = False, limit: int = 50
) -> list[Todo]:
    rows = db.fetch_all(
        "SELECT id, title, due_date, completed_at FROM productivity.todos"
        " WHERE user_id = :user_id AND (:all OR completed_at IS NULL)"
        " ORDER BY created_at, id LIMIT :limit",
        user_id=user_id,
        all=include_completed,
        limit=limit,
    )
    return [_todo(r) for r in rows]


def complete_todo(db: Database, user_id: str, todo_id: str) -> Todo | None:
    row = db.fetch_one(
        "UPDATE productivity.todos SET completed_at = coalesce(completed_at, now())"
        " WHERE user_id = :user_id AND id = :id"
        " RETURNING id, title, due_date, completed_at",
        user_id=user_id,
        id=todo_id,
    )
    return _todo(row) if row else None
