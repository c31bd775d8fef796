"""Mortgage arithmetic: pure functions on Decimal, money rounded to cents half up as lenders do.

The level monthly payment of a loan of P at a monthly rate r over n months is
P * r / (1 - (1 + r) ** -n) (P / n at 0 %). The borrower pays it rounded to the cent; the last
payment absorbs what that rounding left over, so the principal repaid sums exactly to the loan.

Total interest is the level payment's: exact payment * n - P, rounded once (for 300,000 at 6 %
over 30 years, 347,514.57, the figure mortgage calculators and rate sheets quote). The schedule
books each month's interest so that the months sum to exactly that figure (see
``amortization_schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext
from typing import Literal

CENT = Decimal("0.01")
ZERO = Decimal(0)
# (1 + r) ** -480 and the sums over 480 months need more digits than Decimal's default 28 before
# the one rounding to cents.
_DIGITS = 40
FRONT_END_RATIO = Decimal("0.28")  # the "28/36 rule": housing at most 28 % of gross income,
BACK_END_RATIO = Decimal("0.36")  # housing plus other debts at most 36 %


class LoanTooSmall(ValueError):
    """A loan so small against its term that whole-cent payments cannot repay it month by
    month (e.g. 10 dollars over 40 years)."""


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(ratio: Decimal) -> Decimal:
    """A ratio (0.285) as a percentage to one decimal (28.5)."""
    return (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Loan:
    principal: Decimal
    annual_rate_percent: Decimal  # 6 for 6 % a year, compounded monthly
    years: int

    def __post_init__(self) -> None:
        if self.principal <= 0:
            raise ValueError("a loan needs a principal above zero")
        if not ZERO <= self.annual_rate_percent <= 100:
            raise ValueError("an annual rate is a percentage between 0 and 100")
        if self.years < 1:
            raise ValueError("a loan runs for at least one year")

    @property
    def months(self) -> int:
        return self.years * 12

    @property
    def monthly_rate(self) -> Decimal:
        return self.annual_rate_percent / 1200


def payment_per_unit(annual_rate_percent: Decimal, months: int) -> Decimal:
    """The exact level monthly payment that repays one unit of principal over ``months``."""
    with localcontext() as context:
        context.prec = _DIGITS
        rate = annual_rate_percent / 1200
        if rate == 0:
            return Decimal(1) / months
        return rate / (1 - (1 + rate) ** -months)


def exact_payment(loan: Loan) -> Decimal:
    with localcontext() as context:
        context.prec = _DIGITS
        return loan.principal * payment_per_unit(loan.annual_rate_percent, loan.months)


def monthly_payment(loan: Loan) -> Decimal:
    """The monthly payment of principal and interest, in cents."""
    return cents(exact_payment(loan))


def total_interest(loan: Loan) -> Decimal:
    """All the interest over the loan's life at the level payment, in cents."""
    with localcontext() as context:
        context.prec = _DIGITS
        return cents(exact_payment(loan) * loan.months - loan.principal)


@dataclass(frozen=True)
class Installment:
    month: int  # 1 for the first payment
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal  # owed after this payment


def amortization_schedule(loan: Loan) -> list[Installment]:
    """Every monthly payment, split into principal and interest, with the balance after it.

    Every payment but the last is ``monthly_payment``. Interest follows the level-payment
    amortisation: each month books the cents that bring the interest booked so far to the exact
    running total, rounded, so the months sum to ``total_interest`` exactly and no rounding
    drifts. The last payment repays whatever balance is left, so the principal sums exactly to
    the loan.
    """
    payment = monthly_payment(loan)
    if payment == 0:
        raise LoanTooSmall("the monthly payment would round to nothing")
    rows: list[Installment] = []
    with localcontext() as context:
        context.prec = _DIGITS
        exact = exact_payment(loan)
        exact_balance, exact_interest = loan.principal, ZERO
        booked, balance = ZERO, loan.principal
        for month in range(1, loan.months + 1):
            accrued = exact_balance * loan.monthly_rate
            exact_interest += accrued
            exact_balance -= exact - accrued
            # At the cent level a month's interest could exceed the payment (tiny loans at high
            # rates); then the extra cent waits for a later month rather than grow the balance.
            last = month == loan.months
            interest = cents(exact_interest) - booked
            if not last:
                interest = min(interest, payment)
            booked += interest
            principal = balance if last else payment - interest
            if principal > balance:
                raise LoanTooSmall("whole-cent payments would repay this loan early")
            balance -= principal
            rows.append(Installment(month, principal + interest, principal, interest, balance))
    return rows


@dataclass(frozen=True)
class YearTotals:
    year: int  # 1 for the first twelve payments
    payments: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal  # owed at the end of the year


def yearly_totals(schedule: list[Installment]) -> list[YearTotals]:
    years: list[YearTotals] = []
    for start in range(0, len(schedule), 12):
        months = schedule[start : start + 12]
        years.append(
            YearTotals(
                year=start // 12 + 1,
                payments=sum((m.payment for m in months), ZERO),
                principal=sum((m.principal for m in months), ZERO),
                interest=sum((m.interest for m in months), ZERO),
                balance=months[-1].balance,
            )
        )
    return years


Bound = Literal["front_end", "back_end"]


@dataclass(frozen=True)
class Affordability:
    front_end_limit: Decimal  # 28 % of gross monthly income: the most for housing alone
    back_end_limit: Decimal  # 36 % of gross monthly income less the other monthly debts
    bound: Bound  # which of the two limits is the lower, and so decides
    max_housing_payment: Decimal  # the lower limit, never below zero
    max_principal_and_interest: Decimal  # what is left for the loan after property costs
    max_loan: Decimal  # whole dollars
    max_price: Decimal  # the loan plus the down payment
    monthly_payment: Decimal  # principal and interest on max_loan


def affordability(
    gross_monthly_income: Decimal,
    monthly_debts: Decimal,
    annual_rate_percent: Decimal,
    years: int,
    down_payment: Decimal = ZERO,
    monthly_property_costs: Decimal = ZERO,
) -> Affordability:
    """The largest loan and price the 28/36 rule allows.

    Housing (principal, interest and the property costs: tax, insurance, HOA) may take at most
    28 % of gross monthly income, and housing plus other monthly debts at most 36 %.
    """
    front = cents(gross_monthly_income * FRONT_END_RATIO)
    back = cents(gross_monthly_income * BACK_END_RATIO - monthly_debts)
    bound: Bound = "front_end" if front <= back else "back_end"
    housing = max(min(front, back), ZERO)
    for_loan = max(housing - monthly_property_costs, ZERO)
    per_unit = payment_per_unit(annual_rate_percent, years * 12)
    max_loan = (for_loan / per_unit).quantize(Decimal(1), rounding=ROUND_FLOOR)
    # Rounding the payment half up can add a cent; the loan must keep within the limit.
    while max_loan > 0 and cents(max_loan * per_unit) > for_loan:
        max_loan -= 1
    return Affordability(
        front_end_limit=front,
        back_end_limit=back,
        bound=bound,
        max_housing_payment=housing,
        max_principal_and_interest=for_loan,
        max_loan=max_loan,
        max_price=max_loan + down_payment,
        monthly_payment=cents(max_loan * per_unit),
    )
