"""How much of the plan year's deductible and out-of-pocket maximum the member has met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from functions.tools.healthcare import periods
from functions.tools.healthcare.benefits import money, plan_benefits
from functions.tools.healthcare.members import Member, NoArguments, member_of
from shared.mcp_server.registry import CallContext, Result, ToolSpec, iso, tool

ZERO = Decimal(0)


@dataclass(frozen=True)
class Progress:
    """Paid toward one limit."""

    limit: Decimal
    met: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.limit - self.met, ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "met": min(self.met, self.limit),
            "remaining": self.remaining,
            "fully_met": self.remaining == ZERO,
            "summary": f"{money(min(self.met, self.limit))} of {money(self.limit)} met,"
            f" {money(self.remaining)} to go",
        }


def _level(deductible: Progress, out_of_pocket: Progress) -> dict[str, Any]:
    return {"deductible": deductible.as_dict(), "out_of_pocket": out_of_pocket.as_dict()}


def _met(ctx: CallContext, member: Member, start: date) -> dict[str, dict[str, Any]]:
    rows = ctx.db.fetch_all(
        "SELECT level, deductible_met, out_of_pocket_met, as_of FROM healthcare.accumulators"
        " WHERE user_id = :user_id AND member_id = :member_id AND plan_year_start = :start",
        user_id=ctx.user_id,
        member_id=member.id,
        start=start,
    )
    return {r["level"]: r for r in rows}


@tool(NoArguments, read_only=True)
def get_deductible_status(ctx: CallContext, args: NoArguments) -> Result:
    """Tell the caller how much of this plan year's deductible and out-of-pocket maximum they
    have met and how much remains, individually and (on a family plan) for the family, and
    their copays for common visits."""
    member = member_of(ctx)
    year = periods.plan_year(ctx.today, member.plan_year_start_month)
    limits = ctx.db.fetch_one(
        "SELECT deductible_individual, deductible_family, oop_max_individual, oop_max_family"
        " FROM healthcare.plans WHERE id = :plan_id",
        plan_id=member.plan_id,
    )
    assert limits is not None  # the member's plan: a foreign key
    met = _met(ctx, member, year.start)
    mine, family = met.get("individual", {}), met.get("family", {})
    result: Result = {
        "plan": member.plan_name,
        "plan_year": {"start": iso(year.start), "end": iso(year.end)},
        "as_of": iso(mine.get("as_of")),
        "individual": _level(
            Progress(limits["deductible_individual"], mine.get("deductible_met", ZERO)),
            Progress(limits["oop_max_individual"], mine.get("out_of_pocket_met", ZERO)),
        ),
        "family": None,
        "copays": [
            {"service": b.name, "cost_share": b.in_network_share()}
            for b in plan_benefits(ctx.db, member.plan_id)
            if b.covered and b.copay
        ],
    }
    if member.coverage_tier == "family":
        result["family"] = _level(
            Progress(limits["deductible_family"], family.get("deductible_met", ZERO)),
            Progress(limits["oop_max_family"], family.get("out_of_pocket_met", ZERO)),
        )
    return result


TOOLS: list[ToolSpec[Any]] = [get_deductible_status]
