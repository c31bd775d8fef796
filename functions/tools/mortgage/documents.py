"""Documents of an application: record one received, list them, what is required and missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import Field

from functions.tools.mortgage.fields import ApplicationOnly, ApplicationRef
from functions.tools.mortgage.store import find_application
from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import (
    CallContext,
    Result,
    ToolArgs,
    ToolRefused,
    ToolSpec,
    iso,
    tool,
)
from shared.mortgage import requirements
from shared.mortgage.application import Application
from shared.mortgage.requirements import NAMES, DocumentNeed, DocumentType, missing_sentence

DESCRIPTION_MAX_CHARS = 300  # the CHECK on mortgage.documents.description
_COLUMNS = "id, document_type, description, received_on"


@dataclass(frozen=True)
class Document:
    id: str
    document_type: str
    description: str
    received_on: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document_type": self.document_type,
            "name": NAMES[self.document_type][0],
            "description": self.description,
            "received_on": iso(self.received_on),
        }


def need_as_dict(need: DocumentNeed) -> dict[str, Any]:
    return {
        "document_type": need.requirement.document_type,
        "name": NAMES[need.requirement.document_type][0],
        "needed": need.requirement.count,
        "received": min(need.received, need.requirement.count),
        "still_needed": need.still_needed,
        "why": need.requirement.why,
    }


def _document(row: dict[str, Any]) -> Document:
    return Document(str(row["id"]), row["document_type"], row["description"], row["received_on"])


def documents_of(db: Queries, user_id: str, app: Application) -> list[Document]:
    rows = db.fetch_all(
        f"SELECT {_COLUMNS} FROM mortgage.documents WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND application_id = :app ORDER BY received_on, recorded_at, id",
        user_id=user_id,
        app=app.id,
    )
    return [_document(r) for r in rows]


def document_needs(db: Queries, user_id: str, app: Application) -> list[DocumentNeed]:
    """Each required document with how many have been received."""
    documents = documents_of(db, user_id, app)
    return requirements.document_needs(app, (d.document_type for d in documents))


def _needs_result(ctx: CallContext, app: Application, only_missing: bool) -> Result:
    needs = document_needs(ctx.db, ctx.user_id, app)
    shown = [n for n in needs if n.still_needed] if only_missing else needs
    result: Result = {
        "application_number": app.reference,
        "documents": [need_as_dict(n) for n in shown],
        "missing": missing_sentence(needs),
        "complete": all(n.still_needed == 0 for n in needs) and app.employment_type is not None,
    }
    if app.employment_type is None:
        result["note"] = (
            "the income documents depend on how the applicant earns (salaried, self-employed or"
            " retired), which the application does not say yet"
        )
    return result


class RecordDocument(ToolArgs):
    application: ApplicationRef
    document_type: DocumentType = Field(
        description="what kind of document arrived (w2 is the W-2 wage statement)"
    )
    description: str = Field(
        default="",
        max_length=4 * DESCRIPTION_MAX_CHARS,
        description="which one, e.g. 'March statement, checking account' or '2024'",
    )
    received_on: date | None = Field(
        default=None, description="the day it was received (YYYY-MM-DD); today if left out"
    )


@tool(RecordDocument)
def record_mortgage_document(ctx: CallContext, args: RecordDocument) -> Result:
    """Record that a document for the caller's mortgage application was received. Answers with
    what is still missing."""
    app = find_application(ctx, args.application, lock=True)
    if app.closed:
        raise ToolRefused(f"the application is {app.status}; it takes no more documents")
    received_on = args.received_on or ctx.today
    if received_on > ctx.today:
        raise ToolRefused(f"{received_on.isoformat()} is in the future")
    description = text.optional(args.description, "description", DESCRIPTION_MAX_CHARS)
    row = ctx.db.fetch_one(
        "INSERT INTO mortgage.documents (id, application_id, user_id, document_type,"  # noqa: S608 - our own column list
        " description, received_on, request_key) VALUES (:id, :app, :user_id, :type,"
        f" :description, :received_on, :key) RETURNING {_COLUMNS}",
        id=ctx.stable_id(),
        app=app.id,
        user_id=ctx.user_id,
        type=args.document_type,
        description=description,
        received_on=received_on,
        key=ctx.key(),
    )
    assert row is not None
    needs = document_needs(ctx.db, ctx.user_id, app)
    return {
        "recorded": _document(row).as_dict(),
        "application_number": app.reference,
        "still_missing": missing_sentence(needs),
    }


@tool(ApplicationOnly, read_only=True)
def list_mortgage_documents(ctx: CallContext, args: ApplicationOnly) -> Result:
    """List the documents received so far for the caller's mortgage application."""
    app = find_application(ctx, args.application)
    documents = documents_of(ctx.db, ctx.user_id, app)
    return {"application_number": app.reference, "documents": [d.as_dict() for d in documents]}


@tool(ApplicationOnly, read_only=True)
def get_required_mortgage_documents(ctx: CallContext, args: ApplicationOnly) -> Result:
    """Which documents the caller's mortgage application requires (they depend on a purchase or
    refinance and on how the applicant earns), each with how many have been received."""
    return _needs_result(ctx, find_application(ctx, args.application), only_missing=False)


@tool(ApplicationOnly, read_only=True)
def get_missing_mortgage_documents(ctx: CallContext, args: ApplicationOnly) -> Result:
    """Which required documents the caller's mortgage application is still missing."""
    return _needs_result(ctx, find_application(ctx, args.application), only_missing=True)


TOOLS: list[ToolSpec[Any]] = [
    record_mortgage_document,
    list_mortgage_documents,
    get_required_mortgage_documents,
    get_missing_mortgage_documents,
]
