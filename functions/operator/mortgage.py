"""The mortgage dashboard's read API (docs/operator-api.md, "Mortgage dashboard"): every user's
applications, newest first, and one application whole.

The ratios, the document counts, the progress and the payment come from shared/mortgage/, the
code the mortgage tools answer callers with, so the dashboard and the voice agent say the same.
The router does no authentication: the app includes it behind the operator session.

Each request reads in one read-only REPEATABLE READ transaction, so the summary, the page and
its debts and documents are one snapshot. Routes are plain ``def``: FastAPI runs them in its
thread pool, as pg8000 blocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from functions.operator import windows
from shared.db import Database, Queries, Row
from shared.http_service import error
from shared.mortgage.application import COLUMNS, Application, Purpose, application_from_row
from shared.mortgage.dti import RatiosUnknown, debt_to_income, monthly_payment
from shared.mortgage.maths import cents
from shared.mortgage.progress import progress_of
from shared.mortgage.requirements import DocumentType, document_needs
from shared.mortgage.status import Status

PREFIX = "/mortgage_dashboard/api"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_APP_COLUMNS = ", ".join(f"a.{c.strip()}" for c in COLUMNS.split(","))
_SELECT = (
    f"SELECT {_APP_COLUMNS}, a.user_id, a.updated_at, u.display_name"  # noqa: S608 - our own column list
    " FROM mortgage.applications a JOIN identity.users u ON u.id = a.user_id"
)
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "not_found: no application has this id"},
    400: {"description": "invalid_request: a bad query parameter (status, limit or cursor)"},
}


class Applicant(BaseModel):
    user_id: str
    name: str


class Ratios(BaseModel):
    """Debt-to-income as ratios (0.285 for 28.5 %), to the tenth of a percent the tools say."""

    front_end: str
    back_end: str


class DocumentCounts(BaseModel):
    received: int  # of the required ones, each type counted up to what is required
    required: int


class ApplicationView(BaseModel):
    id: str
    reference: str
    applicant: Applicant
    loan_purpose: Purpose
    status: Status
    property_value: str
    loan_amount: str
    down_payment: str
    term_years: int
    credit_score: int | None
    dti: Ratios | None  # null until the income and the rate are known
    documents: DocumentCounts
    progress: float  # the share of the steps done: 0.5 for half
    created_at: str
    updated_at: str


class StatusCount(BaseModel):
    total: int
    by_status: dict[str, int]


class ApplicationsPage(BaseModel):
    summary: StatusCount  # every application, whatever the status filter
    applications: list[ApplicationView]
    next_cursor: str | None


class DebtView(BaseModel):
    debt_type: str
    lender: str
    monthly_payment: str
    balance: str | None


class DocumentView(BaseModel):
    document_type: str
    status: str  # "received": the documents table records only documents received
    received_at: str  # the day received (YYYY-MM-DD), in the user's time zone


class StatusChangeView(BaseModel):
    from_status: Status | None  # null for the application's creation
    to_status: Status
    changed_at: str


class ApplicationDetail(ApplicationView):
    debts: list[DebtView]
    documents_list: list[DocumentView]
    missing_documents: list[DocumentType]
    status_history: list[StatusChangeView]
    monthly_payment: str | None  # principal and interest; null until the rate is known


def mortgage_routes(db: Database) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["mortgage dashboard"], responses=ERRORS)

    @router.get("/applications", response_model=ApplicationsPage)
    def list_applications(
        status: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
    ) -> ApplicationsPage | JSONResponse:
        """Every user's applications, newest first, a page at a time (``next_cursor`` is null
        on the last page), with the count of all applications by status."""
        try:
            after = decode_cursor(cursor)
        except ValueError:
            return error(400, "invalid_request", "cursor is not one this API gave", field="cursor")
        with _snapshot(db) as tx:
            return _page(tx, status, limit, after)

    @router.get(
        "/applications/{application_id}",
        response_model=ApplicationDetail,
        responses={404: {"description": "not_found"}},
    )
    def get_application(application_id: str) -> ApplicationDetail | JSONResponse:
        """One application with its debts, documents, missing documents, status history and
        estimated monthly principal and interest."""
        try:
            wanted = str(uuid.UUID(application_id))
        except ValueError:
            shown = application_id[:60]
            return error(404, "not_found", f"{shown!r} is not an application id (a UUID)")
        with _snapshot(db) as tx:
            found = _detail(tx, wanted)
        if found is None:
            return error(404, "not_found", f"no mortgage application has the id {wanted}")
        return found

    return router


@contextmanager
def _snapshot(db: Database) -> Iterator[Queries]:
    with db.transaction() as tx:
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield tx


# Paging: keyset on (created_at, id), newest first.

Cursor = tuple[datetime, str]


def encode_cursor(created_at: datetime, app_id: str) -> str:
    return windows.encode_cursor(created_at.isoformat(), app_id)


def decode_cursor(cursor: str | None) -> Cursor | None:
    """The last row of the previous page; ValueError for what this API did not give."""
    if not cursor:
        return None
    at, app_id = windows.cursor_parts(cursor)
    try:
        created_at = datetime.fromisoformat(at)
        wanted = str(uuid.UUID(app_id))
    except (TypeError, ValueError) as exc:
        raise ValueError("not a cursor") from exc
    if created_at.tzinfo is None:
        raise ValueError("not a cursor")
    return created_at, wanted


def _page(tx: Queries, status: Status | None, limit: int, after: Cursor | None) -> ApplicationsPage:
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit + 1}
    if status is not None:
        where.append("a.status = :status")
        params["status"] = status
    if after is not None:
        where.append(
            "(a.created_at, a.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))"
        )
        params["after_at"] = after[0].isoformat()
        params["after_id"] = after[1]
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    rows = tx.fetch_all(sql + " ORDER BY a.created_at DESC, a.id DESC LIMIT :limit", **params)
    more = len(rows) > limit
    rows = rows[:limit]
    apps = [application_from_row(r) for r in rows]
    ids = [a.id for a in apps]
    debts = _by_application(_debts(tx, ids))
    documents = _by_application(_documents(tx, ids))
    views = [
        _view(row, app, debts.get(app.id, []), documents.get(app.id, []))
        for row, app in zip(rows, apps, strict=True)
    ]
    last = apps[-1] if apps and more else None
    return ApplicationsPage(
        summary=_summary(tx),
        applications=views,
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


def _summary(tx: Queries) -> StatusCount:
    rows = tx.fetch_all(
        "SELECT status, count(*) AS n FROM mortgage.applications GROUP BY status ORDER BY status"
    )
    by_status = {r["status"]: int(r["n"]) for r in rows}
    return StatusCount(total=sum(by_status.values()), by_status=by_status)


def _detail(tx: Queries, app_id: str) -> ApplicationDetail | None:
    row = tx.fetch_one(_SELECT + " WHERE a.id = CAST(:id AS uuid)", id=app_id)
    if row is None:
        return None
    app = application_from_row(row)
    debts = _debts(tx, [app.id])
    documents = _documents(tx, [app.id])
    view = _view(row, app, debts, documents)
    needs = document_needs(app, (d["document_type"] for d in documents))
    history = tx.fetch_all(
        "SELECT from_status, to_status, changed_at FROM mortgage.status_changes"
        " WHERE application_id = CAST(:id AS uuid) ORDER BY changed_at, id",
        id=app.id,
    )
    payment = monthly_payment(app)
    return ApplicationDetail(
        **view.model_dump(),
        debts=[
            DebtView(
                debt_type=d["debt_type"],
                lender=d["lender"],
                monthly_payment=money(d["monthly_payment"]),
                balance=money(d["balance"]) if d["balance"] is not None else None,
            )
            for d in debts
        ],
        documents_list=[
            DocumentView(
                document_type=d["document_type"],
                status="received",
                received_at=_day(d["received_on"]),
            )
            for d in documents
        ],
        missing_documents=[n.requirement.document_type for n in needs if n.still_needed],
        status_history=[
            StatusChangeView(
                from_status=h["from_status"],
                to_status=h["to_status"],
                changed_at=windows.iso(h["changed_at"]),
            )
            for h in history
        ],
        monthly_payment=money(payment) if payment is not None else None,
    )


def _debts(tx: Queries, app_ids: list[str]) -> list[Row]:
    """The debts of these applications, each application's as the tools order them."""
    if not app_ids:
        return []
    return tx.fetch_all(
        "SELECT application_id, debt_type, lender, monthly_payment, balance FROM mortgage.debts"
        " WHERE application_id = ANY(CAST(:ids AS uuid[]))"
        " ORDER BY monthly_payment DESC, created_at, id",
        ids=app_ids,
    )


def _documents(tx: Queries, app_ids: list[str]) -> list[Row]:
    if not app_ids:
        return []
    return tx.fetch_all(
        "SELECT application_id, document_type, received_on FROM mortgage.documents"
        " WHERE application_id = ANY(CAST(:ids AS uuid[]))"
        " ORDER BY received_on, recorded_at, id",
        ids=app_ids,
    )


def _by_application(rows: list[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(str(row["application_id"]), []).append(row)
    return grouped


def _view(row: Row, app: Application, debts: list[Row], documents: list[Row]) -> ApplicationView:
    needs = document_needs(app, (d["document_type"] for d in documents))
    progress = progress_of(app, bool(debts), needs)
    return ApplicationView(
        id=app.id,
        reference=app.reference,
        applicant=Applicant(user_id=str(row["user_id"]), name=row["display_name"]),
        loan_purpose=app.loan_purpose,
        status=app.status,
        property_value=money(app.property_value),
        loan_amount=money(app.loan_amount),
        down_payment=money(app.down_payment),
        term_years=app.term_years,
        credit_score=app.credit_score,
        dti=ratios(app, [d["monthly_payment"] for d in debts]),
        documents=DocumentCounts(
            received=progress.documents_received, required=progress.documents_required
        ),
        progress=progress.percent / 100,
        created_at=windows.iso(app.created_at),
        updated_at=windows.iso(row["updated_at"]),
    )


def ratios(app: Application, listed_debts: list[Decimal]) -> Ratios | None:
    """The tools' debt-to-income percentages (28.5) as ratios ("0.285"); None while unknown."""
    try:
        dti = debt_to_income(app, listed_debts)
    except RatiosUnknown:
        return None
    return Ratios(
        front_end=str(dti.front_end_percent.scaleb(-2)),
        back_end=str(dti.back_end_percent.scaleb(-2)),
    )


def money(amount: Decimal) -> str:
    return str(cents(amount))


def _day(day: date) -> str:
    return day.isoformat()
