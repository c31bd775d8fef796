"""The signed-in user's membership: who they are to the plan, and whether they are covered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from functions.tools.healthcare import periods
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    iso,
    tool,
)

NOT_A_MEMBER = "I can't find a health plan membership for you"
CoverageStatus = Literal["active", "terminated", "not_yet_effective"]


@dataclass(frozen=True)
class Member:
    id: str
    member_number: str
    group_number: str
    coverage_tier: str
    date_of_birth: date
    sex: str
    home_city: str | None
    home_zip: str | None
    effective_date: date
    end_date: date | None
    plan_id: str
    plan_name: str
    plan_type: str
    network_id: str
    network_name: str
    plan_year_start_month: int
    appeal_window_days: int
    member_services_phone: str

    def status_on(self, day: date) -> CoverageStatus:
        if day < self.effective_date:
            return "not_yet_effective"
        if self.end_date is not None and day > self.end_date:
            return "terminated"
        return "active"

    def age_on(self, day: date) -> int:
        return periods.age_on(self.date_of_birth, day)

    def coverage(self, day: date) -> dict[str, Any]:
        return {
            "status": self.status_on(day),
            "effective_date": iso(self.effective_date),
            "end_date": iso(self.end_date),
        }


def member_of(ctx: CallContext) -> Member:
    """The caller's membership, or a refusal a caller can hear."""
    row = ctx.db.fetch_one(
        "SELECT m.id, m.member_number, m.group_number, m.coverage_tier, m.date_of_birth, m.sex,"
        " m.home_city, m.home_zip, m.effective_date, m.end_date, p.id AS plan_id,"
        " p.name AS plan_name, p.plan_type, p.network_id, n.name AS network_name,"
        " p.plan_year_start_month, p.appeal_window_days, p.member_services_phone"
        " FROM healthcare.members m JOIN healthcare.plans p ON p.id = m.plan_id"
        " JOIN healthcare.networks n ON n.id = p.network_id WHERE m.user_id = :user_id",
        user_id=ctx.user_id,
    )
    if row is None:
        raise ToolRefused(NOT_A_MEMBER)
    return Member(**{**row, "id": str(row["id"]), "plan_id": str(row["plan_id"])})


def require_covered(member: Member, day: date, what: str = "that") -> None:
    """Refuse unless the member's coverage is in force on ``day``."""
    status = member.status_on(day)
    if status == "terminated":
        assert member.end_date is not None
        raise ToolRefused(
            f"your coverage under {member.plan_name} ended on {member.end_date.isoformat()},"
            f" so {what} can't be done"
        )
    if status == "not_yet_effective":
        raise ToolRefused(
            f"your coverage under {member.plan_name} starts on"
            f" {member.effective_date.isoformat()}, so {what} can't be done for"
            f" {day.isoformat()}"
        )


class NoArguments(ToolArgs):
    """This tool takes no arguments: it is about the signed-in member."""


@tool(NoArguments, read_only=True)
def check_eligibility(ctx: CallContext, args: NoArguments) -> Result:
    """Check the caller's health plan eligibility: whether their coverage is active today,
    terminated or not yet effective, its effective and end dates, the plan's name and type, the
    network, the coverage tier (individual or family), and the member and group numbers."""
    member = member_of(ctx)
    return {
        "member_number": member.member_number,
        "group_number": member.group_number,
        "plan": {"name": member.plan_name, "type": member.plan_type},
        "network": member.network_name,
        "coverage_tier": member.coverage_tier,
        "coverage": member.coverage(ctx.today),
        "as_of": iso(ctx.today),
        "member_services_phone": member.member_services_phone,
    }


TOOLS: list[ToolSpec[Any]] = [check_eligibility]
