"""How far an application has come: its steps, done and remaining, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.tools.mortgage.debts import debts_of
from functions.tools.mortgage.documents import document_needs, missing_sentence
from functions.tools.mortgage.fields import ApplicationOnly
from functions.tools.mortgage.store import Application, find_application
from shared.db import Queries
from shared.mcp_server.registry import CallContext, Result, ToolSpec, tool

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


def progress_of(db: Queries, user_id: str, app: Application) -> Progress:
    gaps = missing_details(app)
    has_debts = app.stated_monthly_debts is not None or bool(debts_of(db, user_id, app))
    needs = document_needs(db, user_id, app)
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


def next_step(app: Application, progress: Progress) -> str:
    if app.status == "withdrawn":
        return "nothing: the application was withdrawn; a new one can be started"
    if app.status == "approved":
        return "the loan is approved; a loan officer will arrange the closing"
    if app.status == "denied":
        return "the application was denied; a loan officer can explain why and the options"
    return next((s.to_do for s in progress.steps if not s.done), "")


@tool(ApplicationOnly, read_only=True)
def get_mortgage_application_progress(ctx: CallContext, args: ApplicationOnly) -> Result:
    """How far the caller's mortgage application has come: each step done or still to do
    (financial details, debts, documents, review, decision), the percentage done, and what to
    do next."""
    app = find_application(ctx, args.application)
    progress = progress_of(ctx.db, ctx.user_id, app)
    done = [s.name for s in progress.steps if s.done]
    return {
        "application_number": app.reference,
        "status": app.status,
        "percent_complete": progress.percent,
        "steps_done": done,
        "steps_remaining": [s.as_dict() for s in progress.steps if not s.done],
        "documents_received": progress.documents_received,
        "documents_required": progress.documents_required,
        "next_step": next_step(app, progress),
    }


TOOLS: list[ToolSpec[Any]] = [get_mortgage_application_progress]
