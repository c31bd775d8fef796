"""Demo data (local mode only): the demo user's home purchase, halfway through.

Financial details given, three debts listed, five documents in and four still to come, so every
mortgage tool has something to say. Ids are derived from the user, so seeding twice adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from functions.tools.mortgage.store import (
    NewApplication,
    free_reference,
    insert_application,
    update_application,
)
from shared.db import Database, Queries

D = Decimal
PURCHASE = NewApplication(
    loan_purpose="purchase",
    property_value=D("425000.00"),
    loan_amount=D("340000.00"),
    down_payment=D("85000.00"),
    term_years=30,
    interest_rate=D("6.375"),
    employment_type="salaried",
)


@dataclass(frozen=True)
class DemoDebt:
    key: str
    debt_type: str
    lender: str
    monthly_payment: Decimal
    balance: Decimal


DEBTS = (
    DemoDebt("car", "auto_loan", "Toyota Financial", D("385.00"), D("14200.00")),
    DemoDebt("student", "student_loan", "Nelnet", D("240.00"), D("18500.00")),
    DemoDebt("card", "credit_card", "Chase Freedom", D("95.00"), D("2300.00")),
)

# (key, type, description, days before today it arrived). Still missing: the two W-2s, the
# second bank statement and the signed purchase agreement.
DOCUMENTS = (
    ("id", "photo_id", "driver's license", 12),
    ("stub-1", "pay_stub", "first half of last month", 10),
    ("stub-2", "pay_stub", "second half of last month", 10),
    ("bank-1", "bank_statement", "last month, checking account", 9),
    ("gift", "gift_letter", "from parents, toward the down payment", 6),
)


def _id(user_id: str, part: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"convonet:demo:mortgage:{user_id}:{part}"))


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def seed(db: Database, user_id: str, today: date) -> None:
    """Give the demo user one purchase application waiting for documents (idempotent)."""
    with db.transaction() as tx:
        app_id = _id(user_id, "application")
        app = insert_application(
            tx,
            user_id,
            app_id,
            free_reference(tx, user_id, app_id),
            "demo:mortgage:application",
            PURCHASE,
        )
        if app is None:  # seeded before: leave it as the user has left it
            return
        update_application(
            tx,
            user_id,
            replace(
                app,
                annual_income=D("118000.00"),
                credit_score=742,
                monthly_property_costs=D("520.00"),  # tax 385, insurance 135
            ),
        )
        _backdate(tx, user_id, app_id, today)
        for debt in DEBTS:
            _add_debt(tx, user_id, app_id, debt)
        for key, document_type, description, days_ago in DOCUMENTS:
            _add_document(
                tx, user_id, app_id, key, document_type, description, today - timedelta(days_ago)
            )


def _backdate(tx: Queries, user_id: str, app_id: str, today: date) -> None:
    """Started two weeks ago, submitted for documents the next day."""
    started, submitted = _noon(today - timedelta(days=14)), _noon(today - timedelta(days=13))
    tx.execute(
        "UPDATE mortgage.applications SET status = 'documents_pending', created_at = :started,"
        " status_changed_at = :submitted, updated_at = :submitted"
        " WHERE user_id = :user_id AND id = :id",
        started=started,
        submitted=submitted,
        user_id=user_id,
        id=app_id,
    )
    tx.execute(
        "UPDATE mortgage.status_changes SET changed_at = :started"
        " WHERE user_id = :user_id AND application_id = :id",
        started=started,
        user_id=user_id,
        id=app_id,
    )
    tx.execute(
        "INSERT INTO mortgage.status_changes"
        " (application_id, user_id, from_status, to_status, changed_at)"
        " VALUES (:id, :user_id, 'started', 'documents_pending', :submitted)",
        id=app_id,
        user_id=user_id,
        submitted=submitted,
    )


def _add_debt(tx: Queries, user_id: str, app_id: str, debt: DemoDebt) -> None:
    tx.execute(
        "INSERT INTO mortgage.debts (id, application_id, user_id, debt_type, lender,"
        " monthly_payment, balance, request_key) VALUES (:id, :app, :user_id, :type, :lender,"
        " :payment, :balance, :key) ON CONFLICT DO NOTHING",
        id=_id(user_id, f"debt:{debt.key}"),
        app=app_id,
        user_id=user_id,
        type=debt.debt_type,
        lender=debt.lender,
        payment=debt.monthly_payment,
        balance=debt.balance,
        key=f"demo:mortgage:debt:{debt.key}",
    )


def _add_document(
    tx: Queries,
    user_id: str,
    app_id: str,
    key: str,
    document_type: str,
    description: str,
    received_on: date,
) -> None:
    tx.execute(
        "INSERT INTO mortgage.documents (id, application_id, user_id, document_type,"
        " description, received_on, request_key) VALUES (:id, :app, :user_id, :type,"
        " :description, :received_on, :key) ON CONFLICT DO NOTHING",
        id=_id(user_id, f"document:{key}"),
        app=app_id,
        user_id=user_id,
        type=document_type,
        description=description,
        received_on=received_on,
        key=f"demo:mortgage:document:{key}",
    )
