"""The caller's mortgage applications: start one, see its status, list them, submit it,
withdraw it. (Changing its financial details: financials.py.)"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from functions.tools.mortgage.documents import document_needs
from functions.tools.mortgage.fields import (
    EMPLOYMENT,
    PROPERTY_VALUE,
    Amount,
    AnnualRate,
    ApplicationOnly,
    ApplicationRef,
    LoanAmount,
    PositiveAmount,
    TermYears,
    money,
)
from functions.tools.mortgage.financials import settle_amounts
from functions.tools.mortgage.progress import next_step, progress_of
from functions.tools.mortgage.status import check_transition
from functions.tools.mortgage.store import (
    NewApplication,
    Which,
    applications_of,
    find_application,
    free_reference,
    insert_application,
    move_status,
    status_history,
)
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    tool,
)
from shared.mortgage.application import Application, Employment, Purpose
from shared.mortgage.requirements import missing_sentence
from shared.mortgage.status import FINAL, Status


class CreateApplication(ToolArgs):
    loan_purpose: Purpose = Field(
        description="purchase (buying a home) or refinance (replacing the loan on a home owned)"
    )
    property_value: PositiveAmount = Field(description=PROPERTY_VALUE)
    loan_amount: LoanAmount | None = Field(
        default=None,
        description="the amount to borrow, in dollars; for a purchase it may be left out and is"
        " then the price less the down payment",
    )
    down_payment: Amount | None = Field(
        default=None, description="cash put down on a purchase, in dollars (a refinance has none)"
    )
    term_years: TermYears = 30
    interest_rate: AnnualRate | None = Field(
        default=None, description="the yearly rate quoted, in percent (e.g. 6.5), if known"
    )
    employment_type: Employment | None = Field(default=None, description=EMPLOYMENT)


@tool(CreateApplication)
def create_mortgage_application(ctx: CallContext, args: CreateApplication) -> Result:
    """Start a mortgage application for the caller: a purchase or a refinance, with the
    property's value and the loan (or, for a purchase, the down payment). Income, credit score
    and debts are added later with update_mortgage_financial_info."""
    value = money(args.property_value)
    loan, down = settle_amounts(
        args.loan_purpose,
        value,
        money(args.loan_amount) if args.loan_amount is not None else None,
        money(args.down_payment) if args.down_payment is not None else None,
    )
    app = insert_application(
        ctx.db,
        ctx.user_id,
        app_id=ctx.stable_id(),
        reference=free_reference(ctx.db, ctx.user_id, ctx.stable_id("reference")),
        request_key=ctx.key(),
        new=NewApplication(
            loan_purpose=args.loan_purpose,
            property_value=value,
            loan_amount=loan,
            down_payment=down,
            term_years=args.term_years,
            interest_rate=args.interest_rate,
            employment_type=args.employment_type,
        ),
    )
    assert app is not None  # a new id: nothing to conflict with
    progress = progress_of(ctx.db, ctx.user_id, app)
    return {
        "created": True,
        "application": app.as_dict(ctx.zone),
        "next_step": next_step(app, progress),
    }


@tool(ApplicationOnly, read_only=True)
def get_mortgage_application_status(ctx: CallContext, args: ApplicationOnly) -> Result:
    """The status of the caller's mortgage application (started, documents_pending,
    under_review, approved, denied or withdrawn), its details, its history and the next step."""
    app = find_application(ctx, args.application)
    progress = progress_of(ctx.db, ctx.user_id, app)
    return {
        "application": app.as_dict(ctx.zone),
        "status": app.status,
        "next_step": next_step(app, progress),
        "percent_complete": progress.percent,
        "history": status_history(ctx, app),
    }


class ListApplications(ToolArgs):
    which: Which = Field(
        default="all",
        description="open (not yet decided or withdrawn), closed (approved, denied, withdrawn),"
        " or all",
    )


@tool(ListApplications, read_only=True)
def list_mortgage_applications(ctx: CallContext, args: ListApplications) -> Result:
    """List the caller's mortgage applications, newest first, with their numbers and status."""
    apps = applications_of(ctx.db, ctx.user_id, args.which)
    return {
        "applications": [
            {
                "application_number": a.reference,
                "loan_purpose": a.loan_purpose,
                "status": a.status,
                "loan_amount": a.loan_amount,
                "property_value": a.property_value,
                "started_on": a.created_at.astimezone(ctx.zone).date(),
            }
            for a in apps
        ]
    }


@tool(ApplicationOnly)
def submit_mortgage_application(ctx: CallContext, args: ApplicationOnly) -> Result:
    """Submit the caller's mortgage application: with its financial details and debts given it
    moves on to collecting documents, and with every required document received it goes to an
    underwriter for review. Says what is still missing."""
    app = find_application(ctx, args.application, lock=True)
    if app.status == "under_review":
        raise ToolRefused("the application is already with an underwriter for review")
    if app.status in FINAL:
        raise ToolRefused(f"the application is already {app.status}")
    progress = progress_of(ctx.db, ctx.user_id, app)
    moved: list[Status] = []
    if app.status == "started":
        if not progress.ready_for("financial_details", "debts"):
            gaps = [s.to_do for s in progress.steps[1:3] if not s.done]
            raise ToolRefused("before it can be submitted: " + "; and ".join(gaps))
        app = _move(ctx, app, "documents_pending", moved)
    if progress.ready_for("documents"):
        app = _move(ctx, app, "under_review", moved)
    elif not moved:
        raise ToolRefused(f"the application is still missing {_missing(ctx, app)}")
    return {
        "application_number": app.reference,
        "status": app.status,
        "moved_to": moved,
        "next_step": next_step(app, progress_of(ctx.db, ctx.user_id, app)),
    }


def _move(ctx: CallContext, app: Application, target: Status, moved: list[Status]) -> Application:
    check_transition(app.status, target)
    moved.append(target)
    return move_status(ctx, app, target)


def _missing(ctx: CallContext, app: Application) -> str:
    return missing_sentence(document_needs(ctx.db, ctx.user_id, app))


class Withdraw(ToolArgs):
    application: ApplicationRef
    confirmed: Literal[True] = Field(
        description="true once the caller has confirmed they want to withdraw; it cannot be undone"
    )


@tool(Withdraw)
def withdraw_mortgage_application(ctx: CallContext, args: Withdraw) -> Result:
    """Withdraw the caller's mortgage application before a decision. Final: confirm with the
    caller first."""
    app = find_application(ctx, args.application, lock=True)
    withdrawn = _move(ctx, app, "withdrawn", [])
    return {"withdrawn": True, "application": withdrawn.as_dict(ctx.zone)}


TOOLS: list[ToolSpec[Any]] = [
    create_mortgage_application,
    get_mortgage_application_status,
    list_mortgage_applications,
    submit_mortgage_application,
    withdraw_mortgage_application,
]
