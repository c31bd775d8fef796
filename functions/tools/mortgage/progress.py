"""The progress tool and the next step a caller hears; the steps themselves are shared
(shared/mortgage/progress.py)."""

from __future__ import annotations

from typing import Any

from functions.tools.mortgage.debts import debts_of
from functions.tools.mortgage.documents import document_needs
from functions.tools.mortgage.fields import ApplicationOnly
from functions.tools.mortgage.store import find_application
from shared.db import Queries
from shared.mcp_server.registry import CallContext, Result, ToolSpec, tool
from shared.mortgage import progress as shared_progress
from shared.mortgage.application import Application
from shared.mortgage.progress import Progress


def progress_of(db: Queries, user_id: str, app: Application) -> Progress:
    """The application's progress, its debts and documents read from the database."""
    listed = bool(debts_of(db, user_id, app))
    return shared_progress.progress_of(app, listed, document_needs(db, user_id, app))


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
