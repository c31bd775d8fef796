"""Teams and their members: create a team (its owner), list mine, add and remove members, and
the membership and role checks the team tools share (team_todos.py holds the team's todos).

A team is visible to its members only: every lookup starts from the caller's membership
(find_team), so a team the caller is not in answers exactly like one that does not exist.
Owners and admins manage members; only owners grant, change or take away the owner role, and a
team always keeps one owner. Any member may leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from shared import identity
from shared.mcp_server import text
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    tool,
)

NAME_MAX_CHARS = 120  # the CHECKs on productivity.teams
DESCRIPTION_MAX_CHARS = 1000
Role = Literal["owner", "admin", "member"]
MANAGERS = ("owner", "admin")
_TEAM = (
    "SELECT t.id, t.name, t.description, m.role FROM productivity.teams t"
    " JOIN productivity.team_members m ON m.team_id = t.id AND m.user_id = :user_id"
)
TeamRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=NAME_MAX_CHARS * 2,
        description="which team: its id (from list_teams) or words of its name",
    ),
]
PersonRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=254,
        description="a team member: 'me', their email address, or their name",
    ),
]


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    description: str
    my_role: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "my_role": self.my_role,
        }


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    email: str | None
    role: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "role": self.role}


def _team(row: dict[str, Any]) -> Team:
    return Team(str(row["id"]), row["name"], row["description"], row["role"])


def my_teams(ctx: CallContext) -> list[Team]:
    rows = ctx.db.fetch_all(f"{_TEAM} ORDER BY lower(t.name), t.id", user_id=ctx.user_id)
    return [_team(r) for r in rows]


def find_team(ctx: CallContext, ref: str) -> Team:
    """A team the caller belongs to, by id or by words of its name, else a refusal."""
    team_id = text.as_id(ref)
    row = team_id and ctx.db.fetch_one(f"{_TEAM} WHERE t.id = :id", user_id=ctx.user_id, id=team_id)
    if row:
        return _team(row)
    found = text.best_match(ref, my_teams(ctx), lambda t: t.name)
    if found is None:
        raise ToolRefused(f"you are not in a team called '{text.clean(ref)}'")
    return found


def members_of(ctx: CallContext, team: Team) -> list[Member]:
    rows = ctx.db.fetch_all(
        "SELECT u.id, u.display_name, u.email, m.role FROM productivity.team_members m"
        " JOIN identity.users u ON u.id = m.user_id WHERE m.team_id = :team_id"
        " ORDER BY array_position(ARRAY['owner', 'admin', 'member'], m.role), u.display_name",
        team_id=team.id,
    )
    return [Member(str(r["id"]), r["display_name"], r["email"], r["role"]) for r in rows]


def _members(ctx: CallContext, team: Team) -> list[dict[str, Any]]:
    return [m.as_dict() for m in members_of(ctx, team)]


def find_member(ctx: CallContext, team: Team, ref: str) -> Member:
    """A member of the team: "me", their email address, or words of their name."""
    members = members_of(ctx, team)
    wanted = text.clean(ref)
    if wanted.lower() in ("me", "myself"):
        found = next((m for m in members if m.user_id == ctx.user_id), None)
    elif "@" in wanted:
        found = next((m for m in members if m.email == wanted.lower()), None)
    else:
        found = text.best_match(wanted, members, lambda m: m.name)
    if found is None:
        raise ToolRefused(f"no member of {team.name} matches '{wanted}'")
    return found


def _user_by_email(ctx: CallContext, email: str) -> Member:
    """An existing user, by email address (stored lower-case), as a prospective member."""
    try:
        account = identity.parse_account(email)
    except identity.InvalidAccount:
        raise ToolRefused(f"'{text.clean(email)}' is not an email address") from None
    if account.kind != "email":
        raise ToolRefused(f"'{text.clean(email)}' is not an email address")
    row = ctx.db.fetch_one(
        "SELECT id, display_name, email FROM identity.users WHERE email = :email",
        email=account.value,
    )
    if row is None:
        raise ToolRefused(f"no one with the email address {account.value} uses this service")
    return Member(str(row["id"]), row["display_name"], row["email"], "member")


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def _lock_team(ctx: CallContext, team: Team) -> None:
    """Serialise membership changes of one team, so two owners cannot remove each other."""
    ctx.db.fetch_one("SELECT id FROM productivity.teams WHERE id = :id FOR UPDATE", id=team.id)


def _check_may_change(ctx: CallContext, team: Team, target: Member, new_role: str | None) -> None:
    """May the caller give ``target`` ``new_role`` (None: remove them)? Else a refusal."""
    leaving = target.user_id == ctx.user_id and new_role is None
    if not leaving and team.my_role not in MANAGERS:
        raise ToolRefused(f"only the owners and admins of {team.name} can change its members")
    touches_owner = "owner" in (target.role, new_role)
    if not leaving and touches_owner and team.my_role != "owner":
        raise ToolRefused(f"only an owner of {team.name} can give or take away the owner role")
    if target.role == "owner" and new_role != "owner":
        owners = [m for m in members_of(ctx, team) if m.role == "owner"]
        if len(owners) == 1:
            raise ToolRefused(
                f"{team.name} needs at least one owner; make someone else owner first"
            )


class CreateTeam(ToolArgs):
    name: str = Field(min_length=1, max_length=NAME_MAX_CHARS * 2, description="the team's name")
    description: str = Field(
        default="", max_length=DESCRIPTION_MAX_CHARS, description="what the team is for"
    )


@tool(CreateTeam)
def create_team(ctx: CallContext, args: CreateTeam) -> Result:
    """Create a team; the caller becomes its owner and first member."""
    name = text.required(args.name, "team's name", NAME_MAX_CHARS)
    if any(t.name.lower() == name.lower() for t in my_teams(ctx)):
        raise ToolRefused(f"you are already in a team called {name}")
    team_id = ctx.stable_id()
    ctx.db.execute(
        "INSERT INTO productivity.teams (id, name, description, created_by)"
        " VALUES (:id, :name, :description, :user_id)",
        id=team_id,
        name=name,
        description=text.clean(args.description),
        user_id=ctx.user_id,
    )
    ctx.db.execute(
        "INSERT INTO productivity.team_members (team_id, user_id, role, added_by)"
        " VALUES (:team_id, :user_id, 'owner', :user_id)",
        team_id=team_id,
        user_id=ctx.user_id,
    )
    team = find_team(ctx, team_id)
    return {"created": True, "team": team.as_dict(), "members": _members(ctx, team)}


class ListTeams(ToolArgs):
    include_members: bool = Field(default=True, description="false to leave out member lists")


@tool(ListTeams, read_only=True)
def list_teams(ctx: CallContext, args: ListTeams) -> Result:
    """List the teams the caller belongs to, with the caller's role and (by default) each
    team's members and their roles."""
    teams = []
    for team in my_teams(ctx):
        entry = team.as_dict()
        if args.include_members:
            entry["members"] = _members(ctx, team)
        teams.append(entry)
    return {"teams": teams}


class AddTeamMember(ToolArgs):
    team: TeamRef
    email: str = Field(
        min_length=3, max_length=254, description="the email address of the person to add"
    )
    role: Role = Field(
        default="member",
        description="member; admin (may add and remove members); owner (may also manage admins"
        " and owners). Naming someone already in the team changes their role.",
    )


@tool(AddTeamMember)
def add_team_member(ctx: CallContext, args: AddTeamMember) -> Result:
    """Add an existing user (named by email address) to one of the caller's teams with a role,
    or change the role of someone already in it. Only the team's owners and admins may."""
    team = find_team(ctx, args.team)
    _lock_team(ctx, team)
    person = _user_by_email(ctx, args.email)
    current = next((m for m in members_of(ctx, team) if m.user_id == person.user_id), None)
    if current is not None and current.role == args.role:
        raise ToolRefused(f"{current.name} is already {_a(args.role)} of {team.name}")
    _check_may_change(ctx, team, current or person, args.role)
    ctx.db.execute(
        "INSERT INTO productivity.team_members (team_id, user_id, role, added_by)"
        " VALUES (:team_id, :member_id, :role, :user_id)"
        " ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role",
        team_id=team.id,
        member_id=person.user_id,
        role=args.role,
        user_id=ctx.user_id,
    )
    changed = "role_changed" if current is not None else "added"
    member = Member(person.user_id, person.name, person.email, args.role)
    return {changed: True, "team": team.as_dict(), "member": member.as_dict()}


class RemoveTeamMember(ToolArgs):
    team: TeamRef
    member: PersonRef


@tool(RemoveTeamMember)
def remove_team_member(ctx: CallContext, args: RemoveTeamMember) -> Result:
    """Remove a member from one of the caller's teams (owners and admins only), or leave a
    team (member 'me'). A team keeps at least one owner."""
    team = find_team(ctx, args.team)
    _lock_team(ctx, team)
    target = find_member(ctx, team, args.member)
    _check_may_change(ctx, team, target, None)
    ctx.db.execute(
        "DELETE FROM productivity.team_members WHERE team_id = :team_id AND user_id = :member_id",
        team_id=team.id,
        member_id=target.user_id,
    )
    # Their open team todos go back to nobody: only members are assignees.
    ctx.db.execute(
        "UPDATE productivity.team_todos SET assignee_id = NULL, updated_at = now()"
        " WHERE team_id = :team_id AND assignee_id = :member_id AND completed_at IS NULL",
        team_id=team.id,
        member_id=target.user_id,
    )
    return {"removed": target.as_dict(), "team": team.as_dict()}


TOOLS: list[ToolSpec[Any]] = [
    create_team,
    list_teams,
    add_team_member,
    remove_team_member,
]
