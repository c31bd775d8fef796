"""The member's claims: search, and one claim in detail (lines, amounts, history, appeal)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from functions.tools.healthcare import matching
from functions.tools.healthcare.members import Member, member_of
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

ClaimStatus = Literal["pending", "paid", "partially_paid", "denied", "appealed"]
APPEALABLE = ("denied", "partially_paid")
_OWED = ("deductible", "copay", "coinsurance", "not_covered")  # a line's member responsibility
_SUMMARY = (
    "SELECT c.id, c.claim_number, c.service_date, c.received_date, c.processed_date, c.status,"
    " c.status_note, c.in_network, p.name AS provider,"
    " coalesce(sum(l.billed), 0) AS billed, coalesce(sum(l.allowed), 0) AS allowed,"
    " coalesce(sum(l.plan_paid), 0) AS plan_paid,"
    " coalesce(sum(l.deductible + l.copay + l.coinsurance + l.not_covered), 0) AS member_owes"
    " FROM healthcare.claims c JOIN healthcare.providers p ON p.id = c.provider_id"
    " LEFT JOIN healthcare.claim_lines l ON l.claim_id = c.id"
)

ClaimRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=60,
        description="which claim: its claim number as the caller reads it (e.g. 'CLM-123456701')"
        " or its id from search_claims",
    ),
]


@dataclass(frozen=True)
class Claim:
    id: str
    claim_number: str
    service_date: date
    received_date: date
    processed_date: date | None
    status: str
    status_note: str
    in_network: bool
    provider: str
    billed: Decimal
    allowed: Decimal
    plan_paid: Decimal
    member_owes: Decimal

    def appeal_deadline(self, member: Member) -> date | None:
        """The last day an appeal can be filed, for a claim that can be appealed."""
        if self.status not in APPEALABLE or self.processed_date is None:
            return None
        return self.processed_date + timedelta(days=member.appeal_window_days)

    def as_dict(self, member: Member) -> dict[str, Any]:
        return {
            "id": self.id,
            "claim_number": self.claim_number,
            "provider": self.provider,
            "in_network": self.in_network,
            "service_date": iso(self.service_date),
            "received_date": iso(self.received_date),
            "processed_date": iso(self.processed_date),
            "status": self.status,
            "status_note": self.status_note,
            "billed": self.billed,
            "allowed": self.allowed,
            "plan_paid": self.plan_paid,
            "member_responsibility": self.member_owes,
            "appeal_deadline": iso(self.appeal_deadline(member)),
        }


def _claim(row: dict[str, Any]) -> Claim:
    values = {f.name: row[f.name] for f in fields(Claim)}
    return Claim(**{**values, "id": str(row["id"])})


def claim_named(ctx: CallContext, ref: str) -> Claim:
    """The caller's claim with this number or id, else a refusal. Another member's claim is
    not found: every lookup is scoped to the caller."""
    try:
        key, number = str(uuid.UUID(ref.strip())), ""
    except ValueError:
        key, number = None, matching.reference(ref)
    if key is None and not number:
        raise ToolRefused("that doesn't look like a claim number")
    row = ctx.db.fetch_one(
        f"{_SUMMARY} WHERE c.user_id = :user_id"
        " AND (c.id = CAST(:id AS uuid) OR (:ref <> '' AND"
        f" {matching.reference_sql('c.claim_number')}))"
        " GROUP BY c.id, p.id",
        user_id=ctx.user_id,
        id=key,
        ref=number,
    )
    if row is None:
        raise ToolRefused(f"I can't find a claim of yours numbered '{text.clean(ref)}'")
    return _claim(row)


def _provider_ids(ctx: CallContext, said: str) -> list[str]:
    """The providers of the caller's own claims whose name the caller said."""
    rows = ctx.db.fetch_all(
        "SELECT DISTINCT p.id, p.name FROM healthcare.claims c"
        " JOIN healthcare.providers p ON p.id = c.provider_id WHERE c.user_id = :user_id",
        user_id=ctx.user_id,
    )
    found = matching.by_name(said, rows, lambda r: str(r["name"]))
    if not found:
        raise ToolRefused(f"none of your claims are from a provider matching '{text.clean(said)}'")
    return [str(r["id"]) for r in found]


class SearchClaims(ToolArgs):
    from_date: date | None = Field(
        default=None, description="only claims for services on or after this day (YYYY-MM-DD)"
    )
    to_date: date | None = Field(
        default=None, description="only claims for services on or before this day (YYYY-MM-DD)"
    )
    provider: str | None = Field(
        default=None,
        max_length=160,
        description="only claims from this provider: words of its name, e.g. 'Dr. Chen'",
    )
    status: ClaimStatus | None = Field(
        default=None,
        description="only claims in this state: pending (not yet processed), paid,"
        " partially_paid, denied, or appealed",
    )
    limit: int = Field(default=10, ge=1, le=50, description="at most this many claims")


@tool(SearchClaims, read_only=True)
def search_claims(ctx: CallContext, args: SearchClaims) -> Result:
    """Search the caller's health insurance claims, newest service date first, by service date
    range, provider and status. Each claim has its number, provider, dates, status, the amounts
    billed, allowed and paid by the plan, and what the caller owes."""
    member = member_of(ctx)
    if args.from_date and args.to_date and args.from_date > args.to_date:
        raise ToolRefused("the start of that date range is after its end")
    provider_ids = _provider_ids(ctx, args.provider) if args.provider else None
    rows = ctx.db.fetch_all(
        f"{_SUMMARY} WHERE c.user_id = :user_id"
        " AND (CAST(:from_date AS date) IS NULL OR c.service_date >= :from_date)"
        " AND (CAST(:to_date AS date) IS NULL OR c.service_date <= :to_date)"
        " AND (CAST(:status AS text) IS NULL OR c.status = :status)"
        " AND (CAST(:providers AS uuid[]) IS NULL"
        " OR c.provider_id = ANY(CAST(:providers AS uuid[])))"
        " GROUP BY c.id, p.id ORDER BY c.service_date DESC, c.claim_number LIMIT :limit",
        user_id=ctx.user_id,
        from_date=args.from_date,
        to_date=args.to_date,
        status=args.status,
        providers=provider_ids,
        limit=args.limit,
    )
    return {"claims": [_claim(r).as_dict(member) for r in rows]}


class ClaimOnly(ToolArgs):
    claim: ClaimRef


def _lines(ctx: CallContext, claim_id: str) -> list[dict[str, Any]]:
    rows = ctx.db.fetch_all(
        "SELECT line_number, procedure_code, description, billed, allowed, plan_paid, deductible,"
        " copay, coinsurance, not_covered, denial_reason FROM healthcare.claim_lines"
        " WHERE claim_id = :claim_id ORDER BY line_number",
        claim_id=claim_id,
    )
    return [{**r, "member_responsibility": sum((r[k] for k in _OWED), Decimal(0))} for r in rows]


def _seconds(ctx: CallContext, moment: datetime) -> datetime:
    return ctx.local(moment).replace(microsecond=0)


def _history(ctx: CallContext, claim_id: str) -> list[dict[str, Any]]:
    rows = ctx.db.fetch_all(
        "SELECT status, note, changed_at FROM healthcare.claim_status_history"
        " WHERE claim_id = :claim_id ORDER BY changed_at, id",
        claim_id=claim_id,
    )
    return [{**r, "changed_at": iso(_seconds(ctx, r["changed_at"]))} for r in rows]


def appeal_of(ctx: CallContext, claim_id: str) -> dict[str, Any] | None:
    row = ctx.db.fetch_one(
        "SELECT appeal_number, status, reason, filed_at, decision_due FROM healthcare.claim_appeals"
        " WHERE user_id = :user_id AND claim_id = :claim_id",
        user_id=ctx.user_id,
        claim_id=claim_id,
    )
    return {**row, "filed_at": iso(_seconds(ctx, row["filed_at"]))} if row else None


@tool(ClaimOnly, read_only=True)
def get_claim_details(ctx: CallContext, args: ClaimOnly) -> Result:
    """Give the details of one of the caller's claims: its status and status history, each
    service line (procedure, billed, allowed, paid by the plan, the caller's share as
    deductible, copay and coinsurance, any denial reason), the totals, any appeal, and the last
    day an appeal can be filed if it was denied or partially paid."""
    member = member_of(ctx)
    claim = claim_named(ctx, args.claim)
    return {
        "claim": claim.as_dict(member),
        "lines": _lines(ctx, claim.id),
        "status_history": _history(ctx, claim.id),
        "appeal": appeal_of(ctx, claim.id),
    }


TOOLS: list[ToolSpec[Any]] = [search_claims, get_claim_details]
