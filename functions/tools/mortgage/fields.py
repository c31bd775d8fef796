"""Argument types the mortgage tools share: money, rates, terms, which application."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from shared.mcp_server.registry import ToolArgs, ToolRefused
from shared.mortgage.maths import cents

MAX_AMOUNT = 100_000_000  # exclusive: no home loan or income in dollars reaches it

Amount = Annotated[Decimal, Field(ge=0, lt=MAX_AMOUNT)]  # dollars; zero allowed
PositiveAmount = Annotated[Decimal, Field(gt=0, lt=MAX_AMOUNT)]
PROPERTY_VALUE = "for a purchase the price of the home; for a refinance what it is worth now"
EMPLOYMENT = "how the applicant earns; decides which income documents are needed"

LoanAmount = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_AMOUNT, description="the amount borrowed, in dollars (e.g. 300000)"),
]
AnnualRate = Annotated[
    Decimal,
    Field(
        ge=0,
        le=25,
        description="the yearly interest rate in percent, e.g. 6.5 for 6.5 % (0 to 25)",
    ),
]
TermYears = Annotated[
    int, Field(ge=1, le=40, description="how many years the loan runs, 1 to 40 (usually 30 or 15)")
]
ApplicationRef = Annotated[
    str | None,
    Field(
        default=None,
        max_length=60,
        description=(
            "which of the caller's mortgage applications: its number (like MA-482913, or just "
            "the digits). Leave out when the caller has only one open application."
        ),
    ),
]


class ApplicationOnly(ToolArgs):
    application: ApplicationRef


def money(amount: Decimal) -> Decimal:
    """An amount as stored: cents. Refuses what rounds to nothing (a tenth of a cent)."""
    rounded = cents(amount)
    if amount > 0 and rounded == 0:
        raise ToolRefused("that amount is less than a cent")
    return rounded


def dollars(amount: Decimal) -> str:
    """An amount as a caller hears it: $1,798.65."""
    return f"${cents(amount):,.2f}"
