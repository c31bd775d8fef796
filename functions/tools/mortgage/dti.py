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
from typing import Any, Literal

from functions.tools.mortgage import maths
from functions.tools.mortgage.debts import debts_of
from functions.tools.mortgage.fields import ApplicationOnly, percent
from functions.tools.mortgage.store import Application, find_application
from shared.mcp_server.registry import CallContext, Result, ToolRefused, ToolSpec, tool

Band = Literal["good", "acceptable", "high", "too_high"]
# (upper bound of the back-end ratio in percent, band, what it means for a caller)
BANDS: tuple[tuple[Decimal, Band, str], ...] = (
    (Decimal(36), "good", "within the usual 36 % guideline"),
    (Decimal(43), "acceptable", "above 36 % but within the 43 % most lenders accept"),
    (Decimal(50), "high", "above 43 %: approval would need strong compensating factors"),
)
FRONT_END_GUIDELINE = Decimal(28)
DebtsSource = Literal["listed", "stated", "none"]


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
    front_end_percent: Decimal
    back_end_percent: Decimal

    @property
    def housing_payment(self) -> Decimal:
        return self.principal_and_interest + self.property_costs


def debt_to_income(app: Application, listed_debts: list[Decimal]) -> DebtToIncome:
    """The ratios of an application; debts listed one by one count rather than a stated total."""
    if app.annual_income is None:
        raise ToolRefused(
            "the application has no income yet; what is the gross yearly or monthly income?"
        )
    if app.interest_rate is None:
        raise ToolRefused(
            "the application has no interest rate yet, so the housing payment is not known;"
            " what rate was quoted?"
        )
    income = maths.cents(app.annual_income / 12)
    if income == 0:
        raise ToolRefused("the income on the application is too small to work out a ratio")
    loan = maths.Loan(app.loan_amount, app.interest_rate, app.term_years)
    payment = maths.monthly_payment(loan)
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


@tool(ApplicationOnly, read_only=True)
def calculate_mortgage_debt_to_income(ctx: CallContext, args: ApplicationOnly) -> Result:
    """Work out the debt-to-income ratios of the caller's mortgage application from its income,
    loan, rate and debts: front end (housing payment / gross monthly income) and back end
    (housing plus other debts), with a band: good (up to 36 %), acceptable (to 43 %), high (to
    50 %) or too high."""
    app = find_application(ctx, args.application)
    listed = [d.monthly_payment for d in debts_of(ctx.db, ctx.user_id, app)]
    dti = debt_to_income(app, listed)
    band, meaning = band_of(dti.back_end_percent)
    return {
        "application_number": app.reference,
        "front_end_percent": dti.front_end_percent,
        "back_end_percent": dti.back_end_percent,
        "band": band,
        "band_meaning": meaning,
        "front_end_within_28_percent": dti.front_end_percent <= FRONT_END_GUIDELINE,
        "gross_monthly_income": dti.monthly_income,
        "housing_payment": dti.housing_payment,
        "principal_and_interest": dti.principal_and_interest,
        "property_costs": dti.property_costs,
        "other_monthly_debts": dti.other_debts,
        "debts_counted": {
            "listed": "the debts listed on the application",
            "stated": "the monthly debt total the caller gave",
            "none": "no debts (none were listed or given)",
        }[dti.debts_source],
    }


TOOLS: list[ToolSpec[Any]] = [calculate_mortgage_debt_to_income]
