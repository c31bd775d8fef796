"""Prior authorisations: whether a service needs one, asking for one, and following them up."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from functions.tools.healthcare import matching, vocabulary
from functions.tools.healthcare.benefits import benefit_for
from functions.tools.healthcare.members import member_of, require_covered
from functions.tools.healthcare.providers import in_network, provider_named
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

Urgency = Literal["standard", "urgent"]
# How long the plan has to decide a pre-service request (US claims rules: 15 days, 72 hours
# when waiting could seriously harm the member).
DECISION_TIME = {"standard": timedelta(days=15), "urgent": timedelta(hours=72)}
PLANNED_AHEAD_MAX_DAYS = 365
OPEN = ("pending_review", "approved")
_SELECT = (
    "SELECT a.id, a.reference_number, a.service, c.name AS category, p.name AS provider,"
    " a.provider_id, a.reason, a.planned_date, a.urgency, a.status, a.decision_note,"
    " a.submitted_at, a.decision_due, a.decided_at, a.valid_until"
    " FROM healthcare.prior_auths a JOIN healthcare.service_categories c ON c.code = a.category"
    " JOIN healthcare.providers p ON p.id = a.provider_id"
)


def _shown(ctx: CallContext, row: dict[str, Any]) -> dict[str, Any]:
    def local(moment: datetime | None) -> str | None:
        return iso(ctx.local(moment).replace(microsecond=0)) if moment else None

    return {
        "id": str(row["id"]),
        "reference_number": row["reference_number"],
        "service": row["service"],
        "category": row["category"],
        "provider": row["provider"],
        "reason": row["reason"],
        "planned_date": iso(row["planned_date"]),
        "urgency": row["urgency"],
        "status": row["status"],
        "decision_note": row["decision_note"],
        "submitted_at": local(row["submitted_at"]),
        "decision_due": local(row["decision_due"]),
        "decided_at": local(row["decided_at"]),
        "valid_until": iso(row["valid_until"]),
    }


class ServiceOnly(ToolArgs):
    service: str = Field(
        min_length=1,
        max_length=200,
        description="the service as the caller named it, e.g. 'MRI', 'sleep study', 'knee surgery'",
    )


@tool(ServiceOnly, read_only=True)
def check_prior_auth_required(ctx: CallContext, args: ServiceOnly) -> Result:
    """Tell whether a service needs prior authorization under the caller's plan (and whether
    it is covered at all), and list the caller's open prior authorization requests for that
    kind of service."""
    member = member_of(ctx)
    category = vocabulary.service_category(ctx.db, args.service)
    benefit = benefit_for(ctx.db, member, category)
    rows = ctx.db.fetch_all(
        f"{_SELECT} WHERE a.user_id = :user_id AND a.category = :category"
        " AND a.status IN ('pending_review', 'approved') ORDER BY a.submitted_at DESC",
        user_id=ctx.user_id,
        category=category.code,
    )
    return {
        "asked_about": args.service,
        "service": category.name,
        "covered": benefit.covered,
        "prior_auth_required": benefit.covered and benefit.prior_auth_required,
        "cost_share": benefit.summary(),
        "open_requests": [_shown(ctx, r) for r in rows],
    }


class SubmitPriorAuth(ToolArgs):
    service: str = Field(
        min_length=1,
        max_length=200,
        description="the service to authorize, as the caller named it, e.g. 'MRI of the knee'",
    )
    provider: str = Field(
        min_length=1,
        max_length=160,
        description="who will provide it: the provider's name (e.g. 'Bay Imaging Center',"
        " 'Dr. Chen'), NPI, or id from find_in_network_providers",
    )
    reason: str = Field(
        min_length=1, max_length=4000, description="why it is needed (the medical reason)"
    )
    planned_date: date = Field(
        description="the day the service is planned (YYYY-MM-DD), today or later"
    )
    urgency: Urgency = Field(
        default="standard",
        description="urgent only when waiting could seriously harm the caller's health",
    )


def _check_date(ctx: CallContext, planned: date) -> None:
    if planned < ctx.today:
        raise ToolRefused(f"the planned date {planned.isoformat()} is in the past")
    if planned > ctx.in_days(PLANNED_AHEAD_MAX_DAYS):
        raise ToolRefused("that date is more than a year away; ask again closer to it")


def _already_open(ctx: CallContext, category: str, provider_id: str) -> str | None:
    row = ctx.db.fetch_one(
        "SELECT reference_number FROM healthcare.prior_auths WHERE user_id = :user_id"
        " AND category = :category AND provider_id = :provider_id"
        " AND (status = 'pending_review'"
        " OR (status = 'approved' AND coalesce(valid_until, planned_date) >= :today))",
        user_id=ctx.user_id,
        category=category,
        provider_id=provider_id,
        today=ctx.today,
    )
    return str(row["reference_number"]) if row else None


@tool(SubmitPriorAuth)
def submit_prior_auth(ctx: CallContext, args: SubmitPriorAuth) -> Result:
    """Submit a prior authorization request for a service that the caller's plan requires one
    for, naming the provider, the medical reason and the planned date (not in the past). The
    result has the reference number, the status (pending review) and when a decision is due."""
    member = member_of(ctx)
    _check_date(ctx, args.planned_date)
    require_covered(member, args.planned_date, "a prior authorization for that date")
    category = vocabulary.service_category(ctx.db, args.service)
    benefit = benefit_for(ctx.db, member, category)
    if not benefit.covered:
        raise ToolRefused(f"{category.name} isn't covered by your plan, so it can't be authorized")
    if not benefit.prior_auth_required:
        raise ToolRefused(f"{category.name} doesn't need prior authorization under your plan")
    provider = provider_named(ctx.db, args.provider)
    existing = _already_open(ctx, category.code, provider.id)
    if existing:
        raise ToolRefused(f"you already have request {existing} open for that with {provider.name}")
    ctx.db.execute(
        "INSERT INTO healthcare.prior_auths (id, member_id, user_id, category, service,"
        " provider_id, reason, planned_date, urgency, decision_due, request_key)"
        " VALUES (:id, :member_id, :user_id, :category, :service, :provider_id, :reason,"
        " :planned_date, :urgency, :due, :key)",
        id=ctx.stable_id(),
        member_id=member.id,
        user_id=ctx.user_id,
        category=category.code,
        service=text.required(args.service, "service", 200),
        provider_id=provider.id,
        reason=text.required(args.reason, "reason", 2000),
        planned_date=args.planned_date,
        urgency=args.urgency,
        due=ctx.now + DECISION_TIME[args.urgency],
        key=ctx.key(),
    )
    row = ctx.db.fetch_one(
        f"{_SELECT} WHERE a.user_id = :user_id AND a.id = :id",
        user_id=ctx.user_id,
        id=ctx.stable_id(),
    )
    assert row is not None
    return {
        "submitted": True,
        "prior_auth": _shown(ctx, row),
        "provider_in_network": in_network(ctx.db, provider.id, member.network_id),
    }


class PriorAuthOnly(ToolArgs):
    prior_auth: str = Field(
        min_length=1,
        max_length=60,
        description="which request: its reference number as the caller reads it"
        " (e.g. 'PA-1000001') or its id from list_prior_auths",
    )


@tool(PriorAuthOnly, read_only=True)
def get_prior_auth_status(ctx: CallContext, args: PriorAuthOnly) -> Result:
    """Give the status of one of the caller's prior authorization requests (pending review,
    approved, denied or withdrawn), with the service, provider, planned date, when a decision
    is due, any decision note, and until when an approval is valid."""
    member_of(ctx)
    try:
        key, ref = str(uuid.UUID(args.prior_auth)), ""
    except ValueError:
        key, ref = None, matching.reference(args.prior_auth)
    if key is None and not ref:
        raise ToolRefused("that doesn't look like a prior authorization number")
    row = ctx.db.fetch_one(
        f"{_SELECT} WHERE a.user_id = :user_id AND (a.id = CAST(:id AS uuid)"
        f" OR (:ref <> '' AND {matching.reference_sql('a.reference_number')}))",
        user_id=ctx.user_id,
        id=key,
        ref=ref,
    )
    if row is None:
        raise ToolRefused(
            f"I can't find a prior authorization of yours numbered '{text.clean(args.prior_auth)}'"
        )
    return {"prior_auth": _shown(ctx, row)}


class ListPriorAuths(ToolArgs):
    status: Literal["open", "pending_review", "approved", "denied", "withdrawn", "all"] = Field(
        default="all",
        description="open (pending review or approved), one status, or all",
    )
    limit: int = Field(default=10, ge=1, le=50, description="at most this many, newest first")


@tool(ListPriorAuths, read_only=True)
def list_prior_auths(ctx: CallContext, args: ListPriorAuths) -> Result:
    """List the caller's prior authorization requests, newest first, optionally by status."""
    member_of(ctx)
    statuses = {"open": list(OPEN), "all": None}.get(args.status, [args.status])
    rows = ctx.db.fetch_all(
        f"{_SELECT} WHERE a.user_id = :user_id"
        " AND (CAST(:statuses AS text[]) IS NULL"
        " OR a.status = ANY(CAST(:statuses AS text[])))"
        " ORDER BY a.submitted_at DESC, a.reference_number LIMIT :limit",
        user_id=ctx.user_id,
        statuses=statuses,
        limit=args.limit,
    )
    return {"prior_auths": [_shown(ctx, r) for r in rows]}


TOOLS: list[ToolSpec[Any]] = [
    check_prior_auth_required,
    submit_prior_auth,
    get_prior_auth_status,
    list_prior_auths,
]
