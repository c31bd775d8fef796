"""Care programs the member's plan offers (diabetes care, heart health...), and joining one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field

from functions.tools.healthcare import matching
from functions.tools.healthcare.members import Member, NoArguments, member_of, require_covered
from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool

_SEX_WORD = {"female": "women", "male": "men"}


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    description: str
    required_condition: str | None
    min_age: int | None
    max_age: int | None
    sex: str | None
    enrollment: str | None  # the member's enrolment status, if they ever joined

    def why_not_eligible(self, age: int, sex: str, conditions: set[str]) -> str | None:
        """Why a member of this age, sex and conditions on record may not join, or None."""
        if self.sex and sex != self.sex:
            return f"{self.name} is for {_SEX_WORD[self.sex]}"
        if self.min_age is not None and age < self.min_age:
            return f"{self.name} is for members {self.min_age} and older"
        if self.max_age is not None and age > self.max_age:
            return f"{self.name} is for members up to {self.max_age} years old"
        if self.required_condition and self.required_condition not in conditions:
            condition = self.required_condition.replace("_", " ")
            return f"{self.name} is for members with {condition} on record with the plan"
        return None

    def as_dict(self, why_not: str | None) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "eligible": why_not is None,
            "why_not_eligible": why_not,
            "enrolled": self.enrollment == "active",
            "enrollment_status": self.enrollment,
        }


def offered(ctx: CallContext, member: Member) -> list[Program]:
    rows = ctx.db.fetch_all(
        "SELECT p.id, p.name, p.description, p.required_condition, p.min_age, p.max_age, p.sex,"
        " e.status AS enrollment FROM healthcare.plan_care_programs o"
        " JOIN healthcare.care_programs p ON p.id = o.program_id"
        " LEFT JOIN healthcare.program_enrollments e"
        " ON e.program_id = p.id AND e.user_id = :user_id AND e.member_id = :member_id"
        " WHERE o.plan_id = :plan_id ORDER BY p.name",
        user_id=ctx.user_id,
        member_id=member.id,
        plan_id=member.plan_id,
    )
    return [Program(**r) for r in rows]


def conditions_of(ctx: CallContext, member: Member) -> set[str]:
    rows = ctx.db.fetch_all(
        "SELECT condition FROM healthcare.member_conditions"
        " WHERE user_id = :user_id AND member_id = :member_id",
        user_id=ctx.user_id,
        member_id=member.id,
    )
    return {str(r["condition"]) for r in rows}


@tool(NoArguments, read_only=True)
def list_care_programs(ctx: CallContext, args: NoArguments) -> Result:
    """List the care programs the caller's plan offers (e.g. diabetes care, heart health),
    whether the caller is eligible for each (and why not), and which they are enrolled in."""
    member = member_of(ctx)
    age, conditions = member.age_on(ctx.today), conditions_of(ctx, member)
    return {
        "programs": [
            p.as_dict(p.why_not_eligible(age, member.sex, conditions)) for p in offered(ctx, member)
        ]
    }


class EnrollInCareProgram(ToolArgs):
    program: str = Field(
        min_length=1,
        max_length=120,
        description="which program: its id from list_care_programs or words of its name",
    )


def _program_named(programs: list[Program], said: str) -> Program:
    wanted = text.clean(said)
    exact = [p for p in programs if p.id == wanted.lower()]
    found = exact or matching.by_name(wanted, programs, lambda p: p.name)
    if len(found) != 1:
        names = ", ".join(p.name for p in programs) or "none"
        raise ToolRefused(f"your plan has no care program called '{wanted}'; it offers: {names}")
    return found[0]


@tool(EnrollInCareProgram)
def enroll_in_care_program(ctx: CallContext, args: EnrollInCareProgram) -> Result:
    """Enroll the caller in a care program their plan offers, if they are eligible and not
    already enrolled."""
    member = member_of(ctx)
    require_covered(member, ctx.today, "enrolling in a care program")
    program = _program_named(offered(ctx, member), args.program)
    if program.enrollment == "active":
        raise ToolRefused(f"you're already enrolled in {program.name}")
    why_not = program.why_not_eligible(
        member.age_on(ctx.today), member.sex, conditions_of(ctx, member)
    )
    if why_not:
        raise ToolRefused(f"you're not eligible: {why_not}")
    # A member who once left the program may join again.
    ctx.db.execute(
        "INSERT INTO healthcare.program_enrollments (member_id, user_id, program_id, request_key)"
        " VALUES (:member_id, :user_id, :program_id, :key)"
        " ON CONFLICT (member_id, program_id) DO UPDATE SET status = 'active',"
        " enrolled_at = now(), request_key = EXCLUDED.request_key"
        " WHERE healthcare.program_enrollments.status <> 'active'",
        member_id=member.id,
        user_id=ctx.user_id,
        program_id=program.id,
        key=ctx.key(),
    )
    return {"enrolled": True, "program": {"id": program.id, "name": program.name}}


TOOLS: list[ToolSpec[Any]] = [list_care_programs, enroll_in_care_program]
