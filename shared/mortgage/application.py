"""A mortgage application as stored in mortgage.applications (shared/migrations/0006)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from shared.mortgage.maths import percent
from shared.mortgage.status import FINAL, MEANING, Status

Purpose = Literal["purchase", "refinance"]
Employment = Literal["salaried", "self_employed", "retired"]
# The columns application_from_row reads, for a SELECT or RETURNING list.
COLUMNS = (
    "id, reference, loan_purpose, status, property_value, loan_amount, down_payment, term_years,"
    " interest_rate, employment_type, credit_score, annual_income, stated_monthly_debts,"
    " monthly_property_costs, created_at, status_changed_at"
)


@dataclass(frozen=True)
class Application:
    id: str
    reference: str  # what the caller hears and says: MA-482913
    loan_purpose: Purpose
    status: Status
    property_value: Decimal
    loan_amount: Decimal
    down_payment: Decimal
    term_years: int
    interest_rate: Decimal | None
    employment_type: Employment | None
    credit_score: int | None
    annual_income: Decimal | None
    stated_monthly_debts: Decimal | None
    monthly_property_costs: Decimal
    created_at: datetime
    status_changed_at: datetime

    @property
    def closed(self) -> bool:
        return self.status in FINAL

    @property
    def loan_to_value(self) -> Decimal:
        return self.loan_amount / self.property_value

    def as_dict(self, zone: ZoneInfo) -> dict[str, Any]:
        return {
            "application_number": self.reference,
            "loan_purpose": self.loan_purpose,
            "status": self.status,
            "status_meaning": MEANING[self.status],
            "property_value": self.property_value,
            "loan_amount": self.loan_amount,
            "down_payment": self.down_payment,
            "loan_to_value_percent": percent(self.loan_to_value),
            "term_years": self.term_years,
            "interest_rate": self.interest_rate,
            "employment_type": self.employment_type,
            "credit_score": self.credit_score,
            "annual_income": self.annual_income,
            "stated_monthly_debts": self.stated_monthly_debts,
            "monthly_property_costs": self.monthly_property_costs,
            "started_on": self.created_at.astimezone(zone).date(),
            "status_since": self.status_changed_at.astimezone(zone),
        }


def application_from_row(row: dict[str, Any]) -> Application:
    """An application from a row with the ``COLUMNS``."""
    return Application(
        id=str(row["id"]),
        reference=row["reference"],
        loan_purpose=row["loan_purpose"],
        status=row["status"],
        property_value=row["property_value"],
        loan_amount=row["loan_amount"],
        down_payment=row["down_payment"],
        term_years=row["term_years"],
        interest_rate=row["interest_rate"],
        employment_type=row["employment_type"],
        credit_score=row["credit_score"],
        annual_income=row["annual_income"],
        stated_monthly_debts=row["stated_monthly_debts"],
        monthly_property_costs=row["monthly_property_costs"],
        created_at=row["created_at"],
        status_changed_at=row["status_changed_at"],
    )
