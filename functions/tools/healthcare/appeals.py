"""Appealing a claim the plan denied or paid only in part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from functions.tools.healthcare.claims import APPEALABLE, Claim, ClaimRef, appeal_of, claim_named
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

REASON_MAX_CHARS = 2000  # the CHECK on healthcare.claim_appeals.reason
# A post-service appeal must be decided within 60 days (US claims rules, 29 CFR 2560.503-1).
DECISION_DAYS = 60
_WHY_NOT = {
    "pending": "that claim is still being processed; it can be appealed once it's decided",
    "paid": "that claim was paid in full, so there is nothing to appeal",
    "appealed": "that claim is already under appeal",
}


def _check_appealable(ctx: CallContext, member: Member, claim: Claim) -> None:
    if claim.status not in APPEALABLE:
        raise ToolRefused(_WHY_NOT.get(claim.status, "that claim can't be appealed"))
    deadline = claim.appeal_deadline(member)
    if deadline is not None and ctx.today > deadline:
        raise ToolRefused(f"the window to appeal that claim closed on {deadline.isoformat()}")


class AppealClaim(ToolArgs):
    claim: ClaimRef
    reason: str = Field(
        min_length=1,
        max_length=2 * REASON_MAX_CHARS,
        description="why the caller disagrees with the decision, in their words",
    )


@tool(AppealClaim)
def appeal_claim(ctx: CallContext, args: AppealClaim) -> Result:
    """File an appeal of one of the caller's claims that was denied or only partially paid,
    within the plan's appeal window, with the caller's reason. The claim's status becomes
    'appealed'; the result has the appeal number and the date a decision is due."""
    member = member_of(ctx)
    claim = claim_named(ctx, args.claim)
    _check_appealable(ctx, member, claim)
    reason = text.required(args.reason, "reason for the appeal", REASON_MAX_CHARS)
    row = ctx.db.fetch_one(
        "INSERT INTO healthcare.claim_appeals"
        " (id, claim_id, member_id, user_id, reason, decision_due, request_key)"
        " VALUES (:id, :claim_id, :member_id, :user_id, :reason, :due, :key)"
        " RETURNING appeal_number",
        id=ctx.stable_id(),
        claim_id=claim.id,
        member_id=member.id,
        user_id=ctx.user_id,
        reason=reason,
        due=ctx.today + timedelta(days=DECISION_DAYS),
        key=ctx.key(),
    )
    assert row is not None
    note = f"appeal {row['appeal_number']} filed by the member"
    ctx.db.execute(
        "UPDATE healthcare.claims SET status = 'appealed', status_note = :note"
        " WHERE user_id = :user_id AND id = :id",
        note=note,
        user_id=ctx.user_id,
        id=claim.id,
    )
    ctx.db.execute(
        "INSERT INTO healthcare.claim_status_history (claim_id, status, note)"
        " VALUES (:claim_id, 'appealed', :note)",
        claim_id=claim.id,
        note=note,
    )
    appeal = appeal_of(ctx, claim.id)
    assert appeal is not None
    return {
        "appealed": True,
        "claim_number": claim.claim_number,
        "previous_status": claim.status,
        "appeal": {**appeal, "decision_due": iso(appeal["decision_due"])},
    }


TOOLS: list[ToolSpec[Any]] = [appeal_claim]
