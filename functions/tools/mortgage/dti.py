"""The debt-to-income tool; the ratios and bands themselves are shared
(shared/mortgage/dti.py)."""

from __future__ import annotations

from typing import Any

from functions.tools.mortgage.debts import debts_of
from functions.tools.mortgage.fields import ApplicationOnly
from functions.tools.mortgage.store import find_application
from shared.mcp_server.registry import CallContext, Result, ToolRefused, ToolSpec, tool
from shared.mortgage.dti import FRONT_END_GUIDELINE, RatiosUnknown, band_of, debt_to_income


@tool(ApplicationOnly, read_only=True)
def calculate_mortgage_debt_to_income(ctx: CallContext, args: ApplicationOnly) -> Result:
    """Work out the debt-to-income ratios of the caller's mortgage application from its income,
    loan, rate and debts: front end (housing payment / gross monthly income) and back end
    (housing plus other debts), with a band: good (up to 36 %), acceptable (to 43 %), high (to
    50 %) or too high."""
    app = find_application(ctx, args.application)
    listed = [d.monthly_payment for d in debts_of(ctx.db, ctx.user_id, app)]
    try:
        dti = debt_to_income(app, listed)
    except RatiosUnknown as exc:
        raise ToolRefused(str(exc)) from None
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
