"""What the member's plan covers, and at what cost share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import Field

from functions.tools.healthcare import vocabulary
from functions.tools.healthcare.matching import Named
from functions.tools.healthcare.members import Member, NoArguments, member_of
from shared.db import Queries
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolSpec, tool

_COLUMNS = (
    "b.category, c.name, b.covered, b.copay, b.coinsurance_pct, b.deductible_applies,"
    " b.prior_auth_required, b.out_of_network_coinsurance_pct, b.visit_limit, b.notes"
)


def money(amount: Decimal) -> str:
    """An amount as a caller hears it: "$40", "$12.50"."""
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


@dataclass(frozen=True)
class Benefit:
    category: str
    name: str
    covered: bool
    copay: Decimal
    coinsurance_pct: int
    deductible_applies: bool
    prior_auth_required: bool
    out_of_network_coinsurance_pct: int | None
    visit_limit: int | None
    notes: str

    def in_network_share(self) -> str:
        if not self.covered:
            return "not covered"
        parts = [f"{money(self.copay)} copay"] if self.copay else []
        if self.coinsurance_pct:
            parts.append(f"{self.coinsurance_pct}% coinsurance")
        share = " plus ".join(parts) or "covered in full"
        return f"{share} after the deductible" if self.deductible_applies else share

    def out_of_network_share(self) -> str:
        if not self.covered or self.out_of_network_coinsurance_pct is None:
            return "not covered out of network"
        # Out of network the deductible always applies first.
        return f"{self.out_of_network_coinsurance_pct}% coinsurance after the deductible"

    def summary(self) -> str:
        said = [self.in_network_share()]
        if self.covered and self.prior_auth_required:
            said.append("prior authorization required")
        if self.covered and self.visit_limit:
            said.append(f"up to {self.visit_limit} visits a plan year")
        return "; ".join(said)

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "service": self.name,
            "covered": self.covered,
            "summary": self.summary(),
            "in_network": {
                "cost_share": self.in_network_share(),
                "copay": self.copay,
                "coinsurance_percent": self.coinsurance_pct,
                "deductible_applies": self.deductible_applies,
            },
            "out_of_network": {
                "cost_share": self.out_of_network_share(),
                "coinsurance_percent": self.out_of_network_coinsurance_pct,
            },
            "prior_auth_required": self.covered and self.prior_auth_required,
            "visit_limit_per_plan_year": self.visit_limit,
            "notes": self.notes,
        }


def _benefit(row: dict[str, Any]) -> Benefit:
    return Benefit(**row)


def not_covered(category: Named) -> Benefit:
    """A kind of service the plan has no benefit for."""
    return Benefit(category.code, category.name, False, Decimal(0), 0, False, False, None, None, "")


def plan_benefits(db: Queries, plan_id: str) -> list[Benefit]:
    rows = db.fetch_all(
        f"SELECT {_COLUMNS} FROM healthcare.plan_benefits b"  # noqa: S608 - our columns
        " JOIN healthcare.service_categories c ON c.code = b.category"
        " WHERE b.plan_id = :plan_id ORDER BY c.name",
        plan_id=plan_id,
    )
    return [_benefit(r) for r in rows]


def benefit_for(db: Queries, member: Member, category: Named) -> Benefit:
    row = db.fetch_one(
        f"SELECT {_COLUMNS} FROM healthcare.plan_benefits b"  # noqa: S608 - our columns
        " JOIN healthcare.service_categories c ON c.code = b.category"
        " WHERE b.plan_id = :plan_id AND b.category = :category",
        plan_id=member.plan_id,
        category=category.code,
    )
    return _benefit(row) if row else not_covered(category)


@tool(NoArguments, read_only=True)
def get_benefits_summary(ctx: CallContext, args: NoArguments) -> Result:
    """Summarise the caller's health plan benefits: for each kind of service the plan lists,
    whether it is covered, the in-network cost share (copay, coinsurance, whether the
    deductible applies), the out-of-network cost share, whether prior authorization is needed,
    and visit limits."""
    member = member_of(ctx)
    return {
        "plan": member.plan_name,
        "coverage": member.coverage(ctx.today),
        "benefits": [b.as_dict() for b in plan_benefits(ctx.db, member.plan_id)],
    }


class CheckServiceCoverage(ToolArgs):
    service: str = Field(
        min_length=1,
        max_length=200,
        description=(
            "the service as the caller named it, e.g. 'MRI', 'physical therapy', 'urgent care',"
            " 'specialist visit', 'flu shot'"
        ),
    )


@tool(CheckServiceCoverage, read_only=True)
def check_service_coverage(ctx: CallContext, args: CheckServiceCoverage) -> Result:
    """Check whether a service is covered by the caller's plan and at what cost share: the
    copay or coinsurance in network, whether it comes after the deductible, the out-of-network
    share, and whether prior authorization is needed. The spoken service name is matched to a
    benefit category (e.g. 'MRI' is advanced imaging)."""
    member = member_of(ctx)
    category = vocabulary.service_category(ctx.db, args.service)
    return {
        "asked_about": args.service,
        "coverage": member.coverage(ctx.today),
        **benefit_for(ctx.db, member, category).as_dict(),
    }


TOOLS: list[ToolSpec[Any]] = [get_benefits_summary, check_service_coverage]
