"""How far an application has come: its steps, each done or still to do, and the documents
counted against what it requires."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.mortgage.application import Application
from shared.mortgage.requirements import DocumentNeed, missing_sentence

# The details an application must give before it collects documents, as a caller hears them.
_FINANCIAL_DETAILS = {
    "annual_income": "the gross income",
    "credit_score": "the credit score",
    "employment_type": "how the applicant earns (salaried, self-employed or retired)",
    "interest_rate": "the quoted interest rate",
}


@dataclass(frozen=True)
class Step:
    name: str
    done: bool
    to_do: str  # what would complete it, said to the caller

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.name, "to_do": self.to_do}


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    documents_received: int
    documents_required: int

    @property
    def percent(self) -> int:
        return round(100 * sum(s.done for s in self.steps) / len(self.steps))

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def ready_for(self, *names: str) -> bool:
        return all(self.step(n).done for n in names)


def missing_details(app: Application) -> list[str]:
    return [said for field, said in _FINANCIAL_DETAILS.items() if getattr(app, field) is None]


def progress_of(app: Application, has_listed_debts: bool, needs: list[DocumentNeed]) -> Progress:
    """The progress of an application, given whether any debt is listed on it and its document
    needs (shared.mortgage.requirements.document_needs)."""
    gaps = missing_details(app)
    has_debts = app.stated_monthly_debts is not None or has_listed_debts
    documents_done = app.employment_type is not None and all(n.still_needed == 0 for n in needs)
    reviewed = app.status in ("under_review", "approved", "denied")
    steps = [
        Step("application_started", True, ""),
        Step("financial_details", not gaps, "give " + " and ".join(gaps)),
        Step("debts", has_debts, "list the monthly debt payments, or say there are none"),
        Step(
            "documents",
            documents_done,
            "send the missing documents: " + missing_sentence(needs)
            if app.employment_type
            else "say how the applicant earns, so the income documents are known",
        ),
        Step("submitted_for_review", reviewed, "submit the application for review"),
        Step("decision", app.status in ("approved", "denied"), "wait for the underwriter"),
    ]
    return Progress(
        steps=steps,
        documents_received=sum(min(n.received, n.requirement.count) for n in needs),
        documents_required=sum(n.requirement.count for n in needs),
    )
