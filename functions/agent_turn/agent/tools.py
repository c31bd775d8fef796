"""Productivity tools the agent calls. The user and turn come from the run's config, never from
the model, so a model cannot reach another user's data. Inputs are checked before they reach
the database; what cannot be stored is refused with the reason (see tool_results).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, tool

from functions.agent_turn.agent.tool_results import refused, reports_failures, succeeded
from shared import productivity
from shared.db import Database


class TurnContext:
    """Who the turn is for, and a counter that gives each write a stable request key."""

    def __init__(self, user_id: str, turn_id: str):
        self.user_id = user_id
        self.turn_id = turn_id
        self._calls: Counter[str] = Counter()

    def request_key(self, tool_name: str) -> str:
        # Same turn, same tool, same ordinal -> same key: a redelivered turn writes nothing new.
        self._calls[tool_name] += 1
        return f"{self.turn_id}:{tool_name}:{self._calls[tool_name]}"


def turn_context(config: RunnableConfig) -> TurnContext:
    ctx = (config.get("configurable") or {}).get("turn_context")
    if not isinstance(ctx, TurnContext):
        raise RuntimeError("tool called without a turn context")
    return ctx


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in {"the", "a", "an", "my"}}


def _due_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise productivity.InvalidTodo("the due date must be a date like 2026-11-27") from None


def make_productivity_tools(db: Database) -> list[BaseTool]:
    @tool
    @reports_failures("the todo could not be saved")
    def add_todo(title: str, config: RunnableConfig, due_date: str | None = None) -> str:
        """Add a todo for the caller. due_date is an ISO date (YYYY-MM-DD) or omitted."""
        ctx = turn_context(config)
        try:
            due = _due_date(due_date)
            todo, created = productivity.add_todo(
                db, ctx.user_id, title, due, ctx.request_key("add_todo")
            )
        except productivity.InvalidTodo as exc:
            return refused(str(exc))
        return succeeded(created=created, todo=todo.as_dict())

    @tool
    @reports_failures("the todo list could not be read")
    def list_todos(config: RunnableConfig, include_completed: bool = False) -> str:
        """List the caller's todos (open ones unless include_completed is true)."""
        ctx = turn_context(config)
        todos = productivity.list_todos(db, ctx.user_id, include_completed)
        return succeeded(todos=[t.as_dict() for t in todos])

    @tool
    @reports_failures("the todo could not be marked as done")
    def complete_todo(title: str, config: RunnableConfig) -> str:
        """Mark the caller's open todo that best matches the title as done."""
        ctx = turn_context(config)
        title = productivity.clean_title(title)
        wanted = _words(title)
        best: tuple[float, Any] = (0.0, None)
        for todo in productivity.list_todos(db, ctx.user_id):
            have = _words(todo.title)
            score = len(wanted & have) / max(len(wanted), 1)
            if score > best[0]:
                best = (score, todo)
        if best[1] is None or best[0] < 0.5:
            return refused(f"no open todo matches '{title}'")
        done = productivity.complete_todo(db, ctx.user_id, best[1].id)
        return succeeded(todo=done.as_dict() if done else None)

    return [add_todo, list_todos, complete_todo]
