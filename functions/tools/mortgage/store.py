"""Mortgage applications in PostgreSQL: reading them, finding "which one", their status history.

The application itself (the row's model) is shared: shared/mortgage/application.py.

Every query is scoped to the caller's user id.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from shared.db import Queries
from shared.mcp_server import text
from shared.mcp_server.registry import CallContext, ToolRefused
from shared.mortgage.application import (
    COLUMNS,
    Application,
    Employment,
    Purpose,
    application_from_row,
)
from shared.mortgage.status import FINAL, Status

Which = Literal["open", "closed", "all"]


def applications_of(db: Queries, user_id: str, which: Which = "all") -> list[Application]:
    rows = db.fetch_all(
        f"SELECT {COLUMNS} FROM mortgage.applications WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND (:which = 'all' OR (:which = 'closed') = (status = ANY(CAST(:final AS text[]))))"
        " ORDER BY created_at DESC, id",
        user_id=user_id,
        which=which,
        final=sorted(FINAL),
    )
    return [application_from_row(r) for r in rows]


def _by_reference(ctx: CallContext, ref: str, lock: bool) -> Application | None:
    digits = re.sub(r"\D", "", ref)
    try:
        wanted_id: str | None = str(uuid.UUID(ref))
    except ValueError:
        wanted_id = None
    if wanted_id is None and len(digits) != 6:
        return None
    row = ctx.db.fetch_one(
        f"SELECT {COLUMNS} FROM mortgage.applications WHERE user_id = :user_id"  # noqa: S608 - our own column list
        " AND (id = CAST(:id AS uuid) OR reference = :reference)" + (" FOR UPDATE" if lock else ""),
        user_id=ctx.user_id,
        id=wanted_id,
        reference=f"MA-{digits}",
    )
    return application_from_row(row) if row else None


def find_application(ctx: CallContext, ref: str | None, *, lock: bool = False) -> Application:
    """The caller's application named by its number, or their only open one, else a refusal.

    ``lock`` holds the row until the transaction ends, so two calls cannot both move it.
    """
    if ref is not None and text.clean(ref):
        found = _by_reference(ctx, text.clean(ref), lock)
        if found is None:
            raise ToolRefused(f"no mortgage application of yours has the number {text.clean(ref)}")
        return found
    open_ones = applications_of(ctx.db, ctx.user_id, "open")
    if len(open_ones) > 1:
        numbers = ", ".join(a.reference for a in open_ones)
        raise ToolRefused(f"you have {len(open_ones)} open applications ({numbers}); which one?")
    chosen = open_ones or applications_of(ctx.db, ctx.user_id, "all")[:1]
    if not chosen:
        raise ToolRefused("you have no mortgage application yet")
    if not lock:
        return chosen[0]
    locked = _by_reference(ctx, chosen[0].id, lock=True)
    if locked is None:  # deleted since it was read (its user is being removed)
        raise ToolRefused("that mortgage application no longer exists")
    return locked


def free_reference(db: Queries, user_id: str, seed: str) -> str:
    """A six-digit application number, derived from ``seed`` (a redelivery derives the same),
    that this user does not have yet."""
    for attempt in range(50):
        number = uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}:{attempt}").int % 900_000 + 100_000
        taken = db.fetch_one(
            "SELECT 1 AS taken FROM mortgage.applications"
            " WHERE user_id = :user_id AND reference = :reference",
            user_id=user_id,
            reference=f"MA-{number}",
        )
        if taken is None:
            return f"MA-{number}"
    raise RuntimeError("no free application number after 50 tries")


def record_status(db: Queries, user_id: str, app_id: str, old: Status | None, new: Status) -> None:
    db.execute(
        "INSERT INTO mortgage.status_changes (application_id, user_id, from_status, to_status)"
        " VALUES (:app, :user_id, :old, :new)",
        app=app_id,
        user_id=user_id,
        old=old,
        new=new,
    )


def move_status(ctx: CallContext, app: Application, new: Status) -> Application:
    """Set the status (the caller has checked the move is allowed) and record the change."""
    row = ctx.db.fetch_one(
        "UPDATE mortgage.applications SET status = :new, status_changed_at = now(),"  # noqa: S608 - our own column list
        f" updated_at = now() WHERE user_id = :user_id AND id = :id RETURNING {COLUMNS}",
        new=new,
        user_id=ctx.user_id,
        id=app.id,
    )
    assert row is not None  # the row is locked by find_application(lock=True)
    record_status(ctx.db, ctx.user_id, app.id, app.status, new)
    return application_from_row(row)


@dataclass(frozen=True)
class NewApplication:
    loan_purpose: Purpose
    property_value: Decimal
    loan_amount: Decimal
    down_payment: Decimal
    term_years: int
    interest_rate: Decimal | None
    employment_type: Employment | None


def insert_application(
    db: Queries, user_id: str, app_id: str, reference: str, request_key: str, new: NewApplication
) -> Application | None:
    """The application as started, or None when one with this id exists already."""
    row = db.fetch_one(
        "INSERT INTO mortgage.applications (id, user_id, reference, loan_purpose,"  # noqa: S608 - our own column list
        " property_value, loan_amount, down_payment, term_years, interest_rate,"
        " employment_type, request_key) VALUES (:id, :user_id, :reference, :purpose, :value,"
        " :loan, :down, :term, :rate, :employment, :key)"
        f" ON CONFLICT DO NOTHING RETURNING {COLUMNS}",
        id=app_id,
        user_id=user_id,
        reference=reference,
        purpose=new.loan_purpose,
        value=new.property_value,
        loan=new.loan_amount,
        down=new.down_payment,
        term=new.term_years,
        rate=new.interest_rate,
        employment=new.employment_type,
        key=request_key,
    )
    if row is None:
        return None
    record_status(db, user_id, app_id, None, "started")
    return application_from_row(row)


def update_application(db: Queries, user_id: str, app: Application) -> Application:
    """Save an application's financial details (not its status)."""
    row = db.fetch_one(
        "UPDATE mortgage.applications SET property_value = :value, loan_amount = :loan,"  # noqa: S608 - our own column list
        " down_payment = :down, term_years = :term, interest_rate = :rate,"
        " employment_type = :employment, credit_score = :score, annual_income = :income,"
        " stated_monthly_debts = :debts, monthly_property_costs = :property_costs,"
        f" updated_at = now() WHERE user_id = :user_id AND id = :id RETURNING {COLUMNS}",
        value=app.property_value,
        loan=app.loan_amount,
        down=app.down_payment,
        term=app.term_years,
        rate=app.interest_rate,
        employment=app.employment_type,
        score=app.credit_score,
        income=app.annual_income,
        debts=app.stated_monthly_debts,
        property_costs=app.monthly_property_costs,
        user_id=user_id,
        id=app.id,
    )
    if row is None:
        raise ToolRefused("that mortgage application no longer exists")
    return application_from_row(row)


def status_history(ctx: CallContext, app: Application) -> list[dict[str, Any]]:
    rows = ctx.db.fetch_all(
        "SELECT to_status, changed_at FROM mortgage.status_changes"
        " WHERE user_id = :user_id AND application_id = :app ORDER BY changed_at, id",
        user_id=ctx.user_id,
        app=app.id,
    )
    return [{"status": r["to_status"], "at": ctx.local(r["changed_at"])} for r in rows]
