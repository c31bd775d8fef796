"""Debt-to-income: how much of the applicant's gross monthly income the new housing payment
(front end) and the housing payment plus every other monthly debt (back end) would take.

The band is read from the back-end ratio, the one underwriters decide on:
- at most 36 %: good, the conventional guideline (Fannie Mae's manual-underwriting maximum,
  Selling Guide B3-6-02; the "36" of the 28/36 rule);
- over 36 % up to 43 %: acceptable, within the long-standing Qualified Mortgage limit
  (CFPB, 12 CFR 1026.43(e)(2)(vi), the general QM cap until the 2021 price-based rule);
- over 43 % up to 50 %: high, approvable only with strong compensating factors (50 % is the
  most Fannie Mae's Desktop Underwriter accepts);
- over 50 %: too high for a conforming loan.
The front-end ratio is compared with the 28 % guideline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from shared.mortgage import maths
from shared.mortgage.application import Application
from shared.mortgage.maths import percent

Band = Literal["good", "acceptable", "high", "too_high"]
# (upper bound of the back-end ratio in percent, band, what it means for a caller)
BANDS: tuple[tuple[Decimal, Band, str], ...] = (
    (Decimal(36), "good", "within the usual 36 % guideline"),
    (Decimal(43), "acceptable", "above 36 % but within the 43 % most lenders accept"),
    (Decimal(50), "high", "above 43 %: approval would need strong compensating factors"),
)
FRONT_END_GUIDELINE = Decimal(28)
DebtsSource = Literal["listed", "stated", "none"]


class RatiosUnknown(ValueError):
    """The application lacks what the ratios need (the income or the rate); the message says
    what, in words a caller can hear."""


def band_of(back_end_percent: Decimal) -> tuple[Band, str]:
    for upper, band, meaning in BANDS:
        if back_end_percent <= upper:
            return band, meaning
    return "too_high", "above 50 %: too high for most lenders"


@dataclass(frozen=True)
class DebtToIncome:
    monthly_income: Decimal
    principal_and_interest: Decimal
    property_costs: Decimal
    other_debts: Decimal
    debts_source: DebtsSource
    front_end_percent: Decimal  # to one decimal: 28.5
    back_end_percent: Decimal

    @property
    def housing_payment(self) -> Decimal:
        return self.principal_and_interest + self.property_costs


def monthly_payment(app: Application) -> Decimal | None:
    """The application's monthly principal and interest, or None while it has no rate."""
    if app.interest_rate is None:
        return None
    return maths.monthly_payment(maths.Loan(app.loan_amount, app.interest_rate, app.term_years))


def debt_to_income(app: Application, listed_debts: list[Decimal]) -> DebtToIncome:
    """The ratios of an application, given the monthly payment of each debt listed on it;
    debts listed one by one count rather than a stated total. Raises RatiosUnknown."""
    if app.annual_income is None:
        raise RatiosUnknown(
            "the application has no income yet; what is the gross yearly or monthly income?"
        )
    payment = monthly_payment(app)
    if payment is None:
        raise RatiosUnknown(
            "the application has no interest rate yet, so the housing payment is not known;"
            " what rate was quoted?"
        )
    income = maths.cents(app.annual_income / 12)
    if income == 0:
        raise RatiosUnknown("the income on the application is too small to work out a ratio")
    debts, source = _other_debts(app, listed_debts)
    housing = payment + app.monthly_property_costs
    return DebtToIncome(
        monthly_income=income,
        principal_and_interest=payment,
        property_costs=app.monthly_property_costs,
        other_debts=debts,
        debts_source=source,
        front_end_percent=percent(housing / income),
        back_end_percent=percent((housing + debts) / income),
    )


def _other_debts(app: Application, listed: list[Decimal]) -> tuple[Decimal, DebtsSource]:
    if listed:
        return sum(listed, Decimal(0)), "listed"
    if app.stated_monthly_debts is not None:
        return app.stated_monthly_debts, "stated"
    return Decimal(0), "none"
