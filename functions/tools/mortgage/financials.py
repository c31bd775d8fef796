"""Changing an application's financial details: income, credit score, debts, the loan."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import Field

from functions.tools.mortgage.calculators import monthly_income
from functions.tools.mortgage.debts import debts_of
from functions.tools.mortgage.fields import (
    EMPLOYMENT,
    PROPERTY_VALUE,
    Amount,
    AnnualRate,
    ApplicationRef,
    LoanAmount,
    PositiveAmount,
    TermYears,
    dollars,
    money,
)
from functions.tools.mortgage.status import check_editable
from functions.tools.mortgage.store import find_application, update_application
from shared.mcp_server.registry import CallContext, Result, ToolArgs, ToolRefused, ToolSpec, tool
from shared.mortgage.application import Application, Employment, Purpose


def settle_amounts(
    purpose: Purpose, value: Decimal, loan: Decimal | None, down: Decimal | None
) -> tuple[Decimal, Decimal]:
    """The loan and down payment, one worked out from the other for a purchase, or a refusal
    when they cannot both be right."""
    if purpose == "refinance":
        if down:
            raise ToolRefused("a refinance has no down payment; give the amount to borrow")
        if loan is None:
            raise ToolRefused("how much is to be borrowed?")
        if loan > value:
            raise ToolRefused(
                f"the loan ({dollars(loan)}) is more than the home is worth ({dollars(value)})"
            )
        return loan, Decimal(0)
    if loan is None and down is None:
        raise ToolRefused("how much is to be borrowed, or how much is the down payment?")
    if loan is None:
        loan = value - (down or Decimal(0))
        if loan <= 0:
            raise ToolRefused(f"a down payment of {dollars(value - loan)} leaves nothing to borrow")
    if loan > value:
        raise ToolRefused(f"the loan ({dollars(loan)}) is more than the price ({dollars(value)})")
    down = value - loan if down is None else down
    if loan + down > value:
        raise ToolRefused(
            f"the loan plus the down payment ({dollars(loan + down)}) is more than the price"
            f" ({dollars(value)})"
        )
    return loan, down


class UpdateFinancialInfo(ToolArgs):
    application: ApplicationRef
    credit_score: int | None = Field(
        default=None, ge=300, le=850, description="the credit score, 300 to 850"
    )
    annual_income: PositiveAmount | None = Field(
        default=None, description="gross (before tax) income a year, in dollars"
    )
    monthly_income: PositiveAmount | None = Field(
        default=None,
        description="gross income a month, in dollars; give this or annual_income, not both",
    )
    monthly_debts: Amount | None = Field(
        default=None,
        description="the total of monthly debt payments (0 for none); debts listed one by one"
        " with add_mortgage_debt count instead when there are any",
    )
    employment_type: Employment | None = Field(default=None, description=EMPLOYMENT)
    property_value: PositiveAmount | None = Field(default=None, description=PROPERTY_VALUE)
    loan_amount: LoanAmount | None = Field(
        default=None,
        description="the new amount to borrow; on a purchase without down_payment the down"
        " payment becomes the price less the loan",
    )
    down_payment: Amount | None = Field(
        default=None,
        description="the new down payment on a purchase; without loan_amount the loan becomes"
        " the price less the down payment",
    )
    interest_rate: AnnualRate | None = Field(
        default=None, description="the yearly rate quoted, in percent"
    )
    term_years: TermYears | None = None
    monthly_property_costs: Amount | None = Field(
        default=None,
        description="expected property tax, home insurance and HOA fees a month, in dollars",
    )


def _amounts(app: Application, args: UpdateFinancialInfo) -> tuple[Decimal, Decimal, Decimal]:
    """The property value, loan and down payment after the changes asked for. For a purchase,
    the one of loan and down payment not given follows from the price and the other."""
    value = money(args.property_value) if args.property_value is not None else app.property_value
    loan = money(args.loan_amount) if args.loan_amount is not None else None
    down = money(args.down_payment) if args.down_payment is not None else None
    if app.loan_purpose == "refinance":
        loan = app.loan_amount if loan is None else loan
    elif loan is None and down is None:
        if args.property_value is None:
            loan, down = app.loan_amount, app.down_payment
        else:  # a new price with the same cash down changes what is left to borrow
            down = app.down_payment
    loan, down = settle_amounts(app.loan_purpose, value, loan, down)
    return value, loan, down


def _updated(app: Application, args: UpdateFinancialInfo) -> Application:
    """The application with the changes asked for, checked, or a refusal."""
    value, loan, down = _amounts(app, args)
    income = app.annual_income
    if args.annual_income is not None or args.monthly_income is not None:
        income = money(monthly_income(args.monthly_income, args.annual_income) * 12)
    return dataclasses.replace(
        app,
        property_value=value,
        loan_amount=loan,
        down_payment=down,
        annual_income=income,
        credit_score=_given(args.credit_score, app.credit_score),
        employment_type=_given(args.employment_type, app.employment_type),
        interest_rate=_given(args.interest_rate, app.interest_rate),
        term_years=_given(args.term_years, app.term_years),
        stated_monthly_debts=_given(
            money(args.monthly_debts) if args.monthly_debts is not None else None,
            app.stated_monthly_debts,
        ),
        monthly_property_costs=_given(
            money(args.monthly_property_costs) if args.monthly_property_costs is not None else None,
            app.monthly_property_costs,
        ),
    )


T = TypeVar("T")


def _given(new: T | None, current: T) -> T:
    return current if new is None else new


_FINANCIAL = (
    "property_value",
    "loan_amount",
    "down_payment",
    "annual_income",
    "credit_score",
    "employment_type",
    "interest_rate",
    "term_years",
    "stated_monthly_debts",
    "monthly_property_costs",
)


@tool(UpdateFinancialInfo)
def update_mortgage_financial_info(ctx: CallContext, args: UpdateFinancialInfo) -> Result:
    """Change the financial details of the caller's mortgage application: credit score, income
    (yearly or monthly), total monthly debts, employment type, property value, loan amount, down
    payment, interest rate, term, property costs. Only the details given change."""
    if not args.model_dump(exclude={"application"}, exclude_none=True):
        raise ToolRefused("tell me what to change: income, credit score, debts, loan or property")
    app = find_application(ctx, args.application, lock=True)
    check_editable(app.status)
    new = _updated(app, args)
    changed = [f for f in _FINANCIAL if getattr(new, f) != getattr(app, f)]
    saved = update_application(ctx.db, ctx.user_id, new) if changed else app
    result: Result = {"application": saved.as_dict(ctx.zone), "changed": changed}
    if args.monthly_debts is not None and debts_of(ctx.db, ctx.user_id, app):
        result["note"] = (
            "this application lists its debts one by one; those count in the debt-to-income"
            " ratio, not the total given"
        )
    return result


TOOLS: list[ToolSpec[Any]] = [update_mortgage_financial_info]
