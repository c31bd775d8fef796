"""An application's status and the only moves between statuses.

    started ─► documents_pending ─► under_review ─► approved | denied
       └──────────────┴──────────────────┴─► withdrawn

and under_review ─► documents_pending when the lender asks for more documents.

The caller moves an application forward (submit) and may withdraw it before a decision; the
lender decides, or sends it back for more documents. Approved, denied and withdrawn are final.
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal["started", "documents_pending", "under_review", "approved", "denied", "withdrawn"]
STATUSES: tuple[Status, ...] = get_args(Status)
FINAL: frozenset[Status] = frozenset({"approved", "denied", "withdrawn"})
EDITABLE: frozenset[Status] = frozenset({"started", "documents_pending"})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    "started": frozenset({"documents_pending", "withdrawn"}),
    "documents_pending": frozenset({"under_review", "withdrawn"}),
    "under_review": frozenset({"approved", "denied", "documents_pending", "withdrawn"}),
    "approved": frozenset(),
    "denied": frozenset(),
    "withdrawn": frozenset(),
}

MEANING: dict[Status, str] = {
    "started": "started: the financial details are being filled in",
    "documents_pending": "waiting for documents",
    "under_review": "with an underwriter for review",
    "approved": "approved",
    "denied": "denied",
    "withdrawn": "withdrawn",
}
