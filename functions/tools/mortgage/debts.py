"""The applicant's monthly debts, one by one: add, list, remove."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from functions.tools.mortgage.fields import (
    Amount,
    ApplicationOnly,
    ApplicationRef,
    PositiveAmount,
    money,
)
from functions.tools.mortgage.status import check_editable
from functions.tools.mortgage.store import find_application
from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    tool,
)
from shared.mortgage.application import Application

LENDER_MAX_CHARS = 120  # the CHECK on mortgage.debts.lender
DebtType = Literal[
    "credit_card",
    "auto_loan",
    "student_loan",
    "personal_loan",
    "child_support",
    "alimony",
    "other_mortgage",
    "other",
]
# Words a caller may use for each type, to find "the car loan" among the debts.
_SPOKEN: dict[str, str] = {
    "credit_card": "credit card",
    "auto_loan": "auto car loan",
    "student_loan": "student loan",
    "personal_loan": "personal loan",
    "child_support": "child support",
    "alimony": "alimony spousal support",
    "other_mortgage": "other mortgage home loan",
    "other": "other debt",
}
_COLUMNS = "id, debt_type, lender, monthly_payment, balance"


@dataclass(frozen=True)
class Debt:
    id: str
    debt_type: str
    lender: str
    monthly_payment: Decimal
    balance: Decimal | None

    @property
    def label(self) -> str:
        return f"{_SPOKEN[self.debt_type]} {self.lender}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "debt_type": self.debt_type,
            "lender": self.lender,
            "monthly_payment": self.monthly_payment,
            "balance": self.balance,
        }


def _debt(row: dict[str, Any]) -> Debt:
    return Debt(
        str(row["id"]), row["debt_type"], row["lender"], row["monthly_payment"], row["balance"]
    )


def debts_of(db: Queries, user_id: str, app: Application) -> list[Debt]:
    rows = db.fetch_all(
        f"SELECT {_COLUMNS} FROM mortgage.debts WHERE user_id = :user_id AND application_id = :app"  # noqa: S608 - our own column list
        " ORDER BY monthly_payment DESC, created_at, id",
        user_id=user_id,
        app=app.id,
    )
    return [_debt(r) for r in rows]


def _find_debt(ctx: CallContext, app: Application, ref: str) -> Debt:
    debts = debts_of(ctx.db, ctx.user_id, app)
    try:
        wanted = str(uuid.UUID(ref))
        for debt in debts:
            if debt.id == wanted:
                return debt
    except ValueError:
        pass
    found = text.best_match(ref, debts, lambda d: d.label)
    if found is None:
        raise ToolRefused(f"no debt on application {app.reference} matches '{text.clean(ref)}'")
    return found


def _summary(debts: list[Debt]) -> dict[str, Any]:
    return {
        "debts": [d.as_dict() for d in debts],
        "total_monthly_payments": sum((d.monthly_payment for d in debts), Decimal(0)),
    }


class AddDebt(ToolArgs):
    application: ApplicationRef
    debt_type: DebtType = Field(description="what kind of debt it is")
    monthly_payment: PositiveAmount = Field(description="the payment due each month, in dollars")
    balance: Amount | None = Field(
        default=None, description="what is still owed, in dollars, if known"
    )
    lender: str = Field(
        default="",
        max_length=4 * LENDER_MAX_CHARS,
        description="who it is owed to, e.g. 'Chase' or 'Toyota Financial'",
    )


@tool(AddDebt)
def add_mortgage_debt(ctx: CallContext, args: AddDebt) -> Result:
    """Add one of the applicant's monthly debts (car loan, credit card, student loan, support
    payments...) to their mortgage application; it counts in the debt-to-income ratio."""
    app = find_application(ctx, args.application, lock=True)
    check_editable(app.status)
    lender = text.optional(args.lender, "lender's name", LENDER_MAX_CHARS)
    row = ctx.db.fetch_one(
        "INSERT INTO mortgage.debts (id, application_id, user_id, debt_type, lender,"  # noqa: S608 - our own column list
        " monthly_payment, balance, request_key) VALUES (:id, :app, :user_id, :type, :lender,"
        f" :payment, :balance, :key) RETURNING {_COLUMNS}",
        id=ctx.stable_id(),
        app=app.id,
        user_id=ctx.user_id,
        type=args.debt_type,
        lender=lender,
        payment=money(args.monthly_payment),
        balance=money(args.balance) if args.balance is not None else None,
        key=ctx.key(),
    )
    assert row is not None
    return {
        "added": _debt(row).as_dict(),
        "application_number": app.reference,
        **_summary(debts_of(ctx.db, ctx.user_id, app)),
    }


@tool(ApplicationOnly, read_only=True)
def list_mortgage_debts(ctx: CallContext, args: ApplicationOnly) -> Result:
    """List the monthly debts on the caller's mortgage application, largest payment first, with
    their total."""
    app = find_application(ctx, args.application)
    return {"application_number": app.reference, **_summary(debts_of(ctx.db, ctx.user_id, app))}


class RemoveDebt(ToolArgs):
    application: ApplicationRef
    debt: str = Field(
        min_length=1,
        max_length=200,
        description="which debt: its id (from list_mortgage_debts) or words like 'the car loan'",
    )


@tool(RemoveDebt)
def remove_mortgage_debt(ctx: CallContext, args: RemoveDebt) -> Result:
    """Remove a debt from the caller's mortgage application (paid off, or added by mistake)."""
    app = find_application(ctx, args.application, lock=True)
    check_editable(app.status)
    debt = _find_debt(ctx, app, args.debt)
    ctx.db.execute(
        "DELETE FROM mortgage.debts WHERE user_id = :user_id AND id = :id",
        user_id=ctx.user_id,
        id=debt.id,
    )
    return {
        "removed": debt.as_dict(),
        "application_number": app.reference,
        **_summary(debts_of(ctx.db, ctx.user_id, app)),
    }


TOOLS: list[ToolSpec[Any]] = [add_mortgage_debt, list_mortgage_debts, remove_mortgage_debt]
