"""Calculator tools: a loan's monthly payment, its amortisation, and what a caller can afford.

Pure arithmetic (shared/mortgage/maths.py): nothing is read or written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from functions.tools.mortgage.fields import (
    Amount,
    AnnualRate,
    LoanAmount,
    PositiveAmount,
    TermYears,
    dollars,
    money,
)
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    tool,
)
from shared.mortgage import maths


def loan_of(
    amount: Decimal, rate: Decimal, years: int
) -> tuple[maths.Loan, list[maths.Installment]]:
    """The loan and its schedule, or a refusal a caller can hear when cents cannot repay it."""
    loan = maths.Loan(money(amount), rate, years)
    try:
        return loan, maths.amortization_schedule(loan)
    except maths.LoanTooSmall:
        raise ToolRefused(
            f"a loan of {dollars(loan.principal)} is too small to repay in monthly payments"
            f" over {years} years"
        ) from None


def loan_summary(loan: maths.Loan, schedule: list[maths.Installment]) -> dict[str, Any]:
    interest = maths.total_interest(loan)
    return {
        "loan_amount": loan.principal,
        "annual_interest_rate": loan.annual_rate_percent,
        "term_years": loan.years,
        "number_of_payments": loan.months,
        "monthly_payment": maths.monthly_payment(loan),
        "last_payment": schedule[-1].payment,  # absorbs the cents rounding left over
        "total_interest": interest,
        "total_paid": loan.principal + interest,
    }


class LoanTerms(ToolArgs):
    loan_amount: LoanAmount
    annual_interest_rate: AnnualRate
    term_years: TermYears


@tool(LoanTerms, read_only=True)
def calculate_mortgage_payment(ctx: CallContext, args: LoanTerms) -> Result:
    """Work out the monthly payment (principal and interest) of a fixed-rate mortgage, with the
    total interest and total paid over its life. Taxes and insurance are not included."""
    return loan_summary(*loan_of(args.loan_amount, args.annual_interest_rate, args.term_years))


class ScheduleArgs(LoanTerms):
    first_months: int = Field(
        default=12, ge=0, le=36, description="how many of the first monthly payments to detail"
    )


def _month(m: maths.Installment) -> dict[str, Any]:
    return {
        "month": m.month,
        "payment": m.payment,
        "principal": m.principal,
        "interest": m.interest,
        "balance": m.balance,
    }


def _year(y: maths.YearTotals) -> dict[str, Any]:
    return {
        "year": y.year,
        "paid": y.payments,
        "principal": y.principal,
        "interest": y.interest,
        "balance_at_year_end": y.balance,
    }


@tool(ScheduleArgs, read_only=True)
def get_mortgage_amortization_schedule(ctx: CallContext, args: ScheduleArgs) -> Result:
    """Show how a fixed-rate mortgage is paid down: the first months in detail (payment,
    principal, interest, balance after it) and the totals of each year."""
    loan, schedule = loan_of(args.loan_amount, args.annual_interest_rate, args.term_years)
    return {
        **loan_summary(loan, schedule),
        "first_months": [_month(m) for m in schedule[: args.first_months]],
        "years": [_year(y) for y in maths.yearly_totals(schedule)],
    }


class AffordabilityArgs(ToolArgs):
    gross_monthly_income: PositiveAmount | None = Field(
        default=None,
        description="gross (before tax) income a month, in dollars; or give gross_annual_income",
    )
    gross_annual_income: PositiveAmount | None = Field(
        default=None,
        description="gross (before tax) income a year, in dollars; or give gross_monthly_income",
    )
    monthly_debts: Amount = Field(
        default=Decimal(0),
        description="other monthly debt payments: car, student loans, card minimums, support",
    )
    annual_interest_rate: AnnualRate
    term_years: TermYears = 30
    down_payment: Amount = Field(default=Decimal(0), description="cash put down, in dollars")
    monthly_property_costs: Amount = Field(
        default=Decimal(0),
        description="expected property tax, home insurance and HOA fees a month, in dollars",
    )


def monthly_income(monthly: Decimal | None, annual: Decimal | None) -> Decimal:
    if monthly is not None and annual is not None:
        raise ToolRefused("give the income once: either a month's or a year's")
    if monthly is None and annual is None:
        raise ToolRefused("I need the gross income, a month's or a year's")
    return monthly if monthly is not None else (annual or Decimal(0)) / 12


@tool(AffordabilityArgs, read_only=True)
def check_mortgage_affordability(ctx: CallContext, args: AffordabilityArgs) -> Result:
    """Estimate the largest mortgage and home price a caller can afford by the 28/36 rule:
    housing at most 28 % of gross monthly income, housing plus other debts at most 36 %. Says
    which limit applied."""
    income = money(monthly_income(args.gross_monthly_income, args.gross_annual_income))
    result = maths.affordability(
        income,
        money(args.monthly_debts),
        args.annual_interest_rate,
        args.term_years,
        money(args.down_payment),
        money(args.monthly_property_costs),
    )
    return {
        "gross_monthly_income": income,
        "max_loan": result.max_loan,
        "max_home_price": result.max_price,
        "max_monthly_housing_payment": result.max_housing_payment,
        "monthly_principal_and_interest": result.monthly_payment,
        "limit_applied": result.bound,
        "why": _why(result),
        "front_end_limit": result.front_end_limit,
        "back_end_limit": result.back_end_limit,
    }


def _why(result: maths.Affordability) -> str:
    if result.back_end_limit <= 0:
        return "the other monthly debts already take all of the 36 % of income the rule allows"
    front = f"28 % of income for housing ({dollars(result.front_end_limit)})"
    back = f"36 % of income less other debts ({dollars(result.back_end_limit)})"
    if result.bound == "front_end":
        why = f"the front-end limit applied: {front} is less than {back}"
    else:
        why = f"the back-end limit applied: {back} is less than {front}"
    if result.max_principal_and_interest == 0:
        why += "; the property costs alone take all of it"
    return why


TOOLS: list[ToolSpec[Any]] = [
    calculate_mortgage_payment,
    get_mortgage_amortization_schedule,
    check_mortgage_affordability,
]
