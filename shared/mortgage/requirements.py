"""Which documents an application needs: they depend on the loan's purpose and on how the
applicant earns. The usual conforming-loan checklist: identity, two months of bank statements,
income for the last two years (pay stubs and W-2s for an employee; tax returns and a
year-to-date profit and loss for the self-employed; a benefits or pension statement for the
retired), and the contract for a purchase or the current mortgage and insurance for a refinance.

``document_needs`` sets what an application requires against the documents received.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from shared.mortgage.application import Application, Employment, Purpose

DocumentType = Literal[
    "photo_id",
    "pay_stub",
    "w2",
    "tax_return",
    "bank_statement",
    "profit_and_loss_statement",
    "benefits_statement",
    "purchase_agreement",
    "mortgage_statement",
    "homeowners_insurance",
    "gift_letter",
    "other",
]

# How a caller hears each type: (one, several).
NAMES: dict[str, tuple[str, str]] = {
    "photo_id": ("photo ID", "photo IDs"),
    "pay_stub": ("pay stub", "pay stubs"),
    "w2": ("W-2 form", "W-2 forms"),
    "tax_return": ("tax return", "tax returns"),
    "bank_statement": ("bank statement", "bank statements"),
    "profit_and_loss_statement": ("profit and loss statement", "profit and loss statements"),
    "benefits_statement": ("benefits or pension statement", "benefits or pension statements"),
    "purchase_agreement": ("signed purchase agreement", "signed purchase agreements"),
    "mortgage_statement": ("current mortgage statement", "current mortgage statements"),
    "homeowners_insurance": (
        "homeowners insurance declarations page",
        "homeowners insurance declarations pages",
    ),
    "gift_letter": ("gift letter", "gift letters"),
    "other": ("additional document", "additional documents"),
}


def spoken(document_type: str, count: int = 1) -> str:
    one, several = NAMES[document_type]
    if count > 1:
        return f"{count} {several}"
    return f"{'an' if one[0] in 'aeiou' else 'a'} {one}"


@dataclass(frozen=True)
class Requirement:
    document_type: DocumentType
    count: int
    why: str


_EVERYONE = (
    Requirement("photo_id", 1, "a driver's license or passport, to confirm identity"),
    Requirement("bank_statement", 2, "the last two months, to show the funds and reserves"),
)
_INCOME: dict[str, tuple[Requirement, ...]] = {
    "salaried": (
        Requirement("pay_stub", 2, "the most recent 30 days of pay"),
        Requirement("w2", 2, "the last two years of wages"),
    ),
    "self_employed": (
        Requirement("tax_return", 2, "the last two years of personal returns, all schedules"),
        Requirement("profit_and_loss_statement", 1, "this year's business income so far"),
    ),
    "retired": (
        Requirement("benefits_statement", 1, "the Social Security award letter or pension"),
        Requirement("tax_return", 1, "last year's return"),
    ),
}
_PURPOSE: dict[str, tuple[Requirement, ...]] = {
    "purchase": (Requirement("purchase_agreement", 1, "the signed contract for the home"),),
    "refinance": (
        Requirement("mortgage_statement", 1, "the loan being refinanced"),
        Requirement("homeowners_insurance", 1, "the current policy's declarations page"),
    ),
}


def required_documents(purpose: Purpose, employment: Employment | None) -> list[Requirement]:
    """What this application needs. Without an employment type the income documents are not
    known yet, so they are left out (the caller is asked for the employment type)."""
    income = _INCOME[employment] if employment else ()
    return [*_EVERYONE, *income, *_PURPOSE[purpose]]


@dataclass(frozen=True)
class DocumentNeed:
    requirement: Requirement
    received: int

    @property
    def still_needed(self) -> int:
        return max(self.requirement.count - self.received, 0)


def document_needs(app: Application, received_types: Iterable[str]) -> list[DocumentNeed]:
    """Each document the application requires with how many have been received, given the
    type of every document received (in any order, repeats counted)."""
    received: dict[str, int] = {}
    for document_type in received_types:
        received[document_type] = received.get(document_type, 0) + 1
    return [
        DocumentNeed(req, received.get(req.document_type, 0))
        for req in required_documents(app.loan_purpose, app.employment_type)
    ]


def missing_sentence(needs: list[DocumentNeed]) -> str:
    """What is still missing, as a caller hears it: "2 pay stubs and a photo ID"."""
    parts = [spoken(n.requirement.document_type, n.still_needed) for n in needs if n.still_needed]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
