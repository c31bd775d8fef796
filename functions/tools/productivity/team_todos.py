"""A team's todos: add one (optionally assigned to a member), list them, mark one done.

Every member of a team sees, adds and completes its todos; the team is found from the caller's
membership (teams.find_team), so a team the caller is not in answers like one that does not
exist, and an assignee must be a member of the team (teams.find_member).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import Field

from functions.tools.productivity.teams import PersonRef, Team, TeamRef, find_member, find_team
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

TITLE_MAX_CHARS = 500  # the CHECKs on productivity.team_todos
DESCRIPTION_MAX_CHARS = 2000
Priority = Literal["low", "medium", "high"]
Status = Literal["open", "done", "all"]
_TODO = (
    "SELECT t.id, t.title, t.description, t.priority, t.due_date, t.completed_at,"
    " a.display_name AS assignee_name, a.email AS assignee_email"
    " FROM productivity.team_todos t LEFT JOIN identity.users a ON a.id = t.assignee_id"
)
_OF_STATUS = " AND (:status = 'all' OR (:status = 'done') = (t.completed_at IS NOT NULL))"


@dataclass(frozen=True)
class TeamTodo:
    id: str
    title: str
    description: str
    priority: str
    due_date: date | None
    assignee_name: str | None
    assignee_email: str | None
    completed: bool

    def as_dict(self) -> dict[str, Any]:
        assignee = (
            {"name": self.assignee_name, "email": self.assignee_email}
            if self.assignee_name
            else None
        )
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "priority": self.priority,
            "due_date": iso(self.due_date),
            "assignee": assignee,
            "completed": self.completed,
        }


def _todo(row: dict[str, Any]) -> TeamTodo:
    return TeamTodo(
        str(row["id"]),
        row["title"],
        row["description"],
        row["priority"],
        row["due_date"],
        row["assignee_name"],
        row["assignee_email"],
        row["completed_at"] is not None,
    )


def _todo_by_id(ctx: CallContext, team: Team, ref: str) -> TeamTodo | None:
    """The team's todo whose id ``ref`` is, if ``ref`` is an id and there is one."""
    todo_id = text.as_id(ref)
    if todo_id is None:
        return None
    row = ctx.db.fetch_one(
        f"{_TODO} WHERE t.team_id = :team_id AND t.id = :id", team_id=team.id, id=todo_id
    )
    return _todo(row) if row is not None else None


def find_todo(ctx: CallContext, team: Team, ref: str, status: Status = "all") -> TeamTodo:
    """A todo of the team, by id or by words of its title (among those of ``status``), else a
    refusal."""
    by_id = _todo_by_id(ctx, team, ref)
    if by_id is not None:
        return by_id
    rows = ctx.db.fetch_all(
        f"{_TODO} WHERE t.team_id = :team_id{_OF_STATUS}"
        " ORDER BY t.due_date NULLS LAST, t.created_at LIMIT 500",
        team_id=team.id,
        status=status,
    )
    found = text.best_match(ref, rows, lambda r: str(r["title"]))
    if found is None:
        which = "open todo" if status == "open" else "todo"
        raise ToolRefused(f"no {which} of {team.name} matches '{text.clean(ref)}'")
    return _todo(found)


class AddTeamTodo(ToolArgs):
    team: TeamRef
    title: str = Field(
        min_length=1, max_length=4 * TITLE_MAX_CHARS, description="what is to be done"
    )
    assignee: PersonRef | None = Field(
        default=None, description="who does it: 'me', or a team member's email address or name"
    )
    description: str = Field(default="", max_length=DESCRIPTION_MAX_CHARS, description="details")
    priority: Priority = Field(default="medium", description="how important it is")
    due_date: date | None = Field(
        default=None, description="the day it is due (YYYY-MM-DD, in the user's time zone)"
    )


@tool(AddTeamTodo)
def add_team_todo(ctx: CallContext, args: AddTeamTodo) -> Result:
    """Add a todo to one of the caller's teams, optionally assigned to a member of that team,
    with details, a priority and a due date. Every member of the team sees it."""
    team = find_team(ctx, args.team)
    title = text.required(args.title, "todo's title", TITLE_MAX_CHARS)
    if args.due_date is not None and args.due_date < ctx.today:
        raise ToolRefused(f"the due date {args.due_date.isoformat()} is in the past")
    assignee = find_member(ctx, team, args.assignee) if args.assignee else None
    todo_id = ctx.stable_id()
    ctx.db.execute(
        "INSERT INTO productivity.team_todos"
        " (id, team_id, title, description, priority, due_date, assignee_id, created_by)"
        " VALUES (:id, :team_id, :title, :description, :priority, :due_date, :assignee_id,"
        " :user_id)",
        id=todo_id,
        team_id=team.id,
        title=title,
        description=text.clean(args.description),
        priority=args.priority,
        due_date=args.due_date,
        assignee_id=assignee.user_id if assignee else None,
        user_id=ctx.user_id,
    )
    todo = find_todo(ctx, team, todo_id)
    return {"created": True, "team": team.as_dict(), "todo": todo.as_dict()}


class ListTeamTodos(ToolArgs):
    team: TeamRef
    status: Status = Field(default="open", description="open (not done yet), done, or all")
    assignee: PersonRef | None = Field(
        default=None, description="only todos assigned to this member ('me' for the caller's)"
    )
    limit: int = Field(default=50, ge=1, le=200, description="at most this many")


@tool(ListTeamTodos, read_only=True)
def list_team_todos(ctx: CallContext, args: ListTeamTodos) -> Result:
    """List the todos of one of the caller's teams, soonest due first; filter by status and by
    assignee."""
    team = find_team(ctx, args.team)
    assignee = find_member(ctx, team, args.assignee) if args.assignee else None
    rows = ctx.db.fetch_all(
        f"{_TODO} WHERE t.team_id = :team_id{_OF_STATUS}"
        " AND (CAST(:assignee_id AS uuid) IS NULL OR t.assignee_id = CAST(:assignee_id AS uuid))"
        " ORDER BY t.due_date NULLS LAST, t.created_at, t.id LIMIT :limit",
        team_id=team.id,
        status=args.status,
        assignee_id=assignee.user_id if assignee else None,
        limit=args.limit,
    )
    return {"team": team.as_dict(), "todos": [_todo(r).as_dict() for r in rows]}


class CompleteTeamTodo(ToolArgs):
    team: TeamRef
    todo: str = Field(
        min_length=1,
        max_length=TITLE_MAX_CHARS,
        description="which todo: its id (from list_team_todos) or words of its title",
    )


@tool(CompleteTeamTodo)
def complete_team_todo(ctx: CallContext, args: CompleteTeamTodo) -> Result:
    """Mark an open todo of one of the caller's teams as done."""
    team = find_team(ctx, args.team)
    found = find_todo(ctx, team, args.todo, "open")
    ctx.db.execute(
        "UPDATE productivity.team_todos SET completed_at = coalesce(completed_at, now()),"
        " completed_by = coalesce(completed_by, :user_id), updated_at = now()"
        " WHERE team_id = :team_id AND id = :id",
        user_id=ctx.user_id,
        team_id=team.id,
        id=found.id,
    )
    return {"team": team.as_dict(), "todo": find_todo(ctx, team, found.id).as_dict()}


TOOLS: list[ToolSpec[Any]] = [add_team_todo, list_team_todos, complete_team_todo]
