"""The mortgage dashboard's read API (functions/operator/mortgage.py) against the real
PostgreSQL: the list's shape, order, filter and keyset paging, one application whole, and the
figures equal to what the mortgage tools tell a caller about the same application."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from functions.operator.mortgage import decode_cursor, encode_cursor, mortgage_routes
from shared.db import Database
from shared.http_service import install_error_handlers
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration
API = "/mortgage_dashboard/api/applications"
SUMMARY_KEYS = {
    "id",
    "reference",
    "applicant",
    "loan_purpose",
    "status",
    "property_value",
    "loan_amount",
    "down_payment",
    "term_years",
    "credit_score",
    "dti",
    "documents",
    "progress",
    "created_at",
    "updated_at",
}
DETAIL_KEYS = SUMMARY_KEYS | {
    "debts",
    "documents_list",
    "missing_documents",
    "status_history",
    "monthly_payment",
}


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)  # as the operator app does
    app.include_router(mortgage_routes(db))
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


def _apply(tools: ToolHarness, user: str, **extra: Any) -> tuple[str, str]:
    """A new application of the user's: (its id, its number)."""
    args = {
        "loan_purpose": "purchase",
        "property_value": 450_000,
        "down_payment": 90_000,
        "interest_rate": 6.25,
        "employment_type": "salaried",
    }
    created = tools.call(user, "create_mortgage_application", **{**args, **extra})
    number: str = created["application"]["application_number"]
    row = tools.db.fetch_one(
        "SELECT id FROM mortgage.applications WHERE user_id = :u AND reference = :r",
        u=user,
        r=number,
    )
    assert row is not None
    return str(row["id"]), number


def _all_ids_newest_first(db: Database, status: str | None = None) -> list[str]:
    rows = db.fetch_all(
        "SELECT id FROM mortgage.applications"
        " WHERE CAST(:status AS text) IS NULL OR status = :status"
        " ORDER BY created_at DESC, id DESC",
        status=status,
    )
    return [str(r["id"]) for r in rows]


def _decimal(number: float) -> Decimal:
    """A tool's amount as the model reads it (a JSON number) back to the Decimal it was."""
    return Decimal(str(number))


def _get(client: TestClient, path: str = API, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _sarah(tools: ToolHarness) -> tuple[str, str, str]:
    """Sarah Kim's purchase, halfway: details, two debts, three documents, submitted."""
    sarah = tools.user("Sarah Kim")
    app_id, number = _apply(tools, sarah)
    tools.call(
        sarah,
        "update_mortgage_financial_info",
        application=number,
        annual_income=132_000,
        credit_score=742,
        monthly_property_costs=650,
    )
    tools.call(sarah, "add_mortgage_debt", debt_type="student_loan", monthly_payment=240.5)
    tools.call(
        sarah,
        "add_mortgage_debt",
        debt_type="auto_loan",
        monthly_payment=385,
        balance=14_200,
        lender="Toyota Financial",
    )
    today = datetime.now(UTC).date()  # the day in the user's time zone, UTC
    for document_type, days_ago in (("photo_id", 3), ("pay_stub", 2), ("pay_stub", 1)):
        tools.call(
            sarah,
            "record_mortgage_document",
            document_type=document_type,
            received_on=(today - timedelta(days=days_ago)).isoformat(),
        )
    tools.call(sarah, "submit_mortgage_application", application=number)
    return sarah, app_id, number


def test_an_application_shows_what_the_tools_tell_the_caller(
    client: TestClient, tools: ToolHarness
) -> None:
    sarah, app_id, number = _sarah(tools)
    page = _get(client)
    assert page["summary"] == {"total": 1, "by_status": {"documents_pending": 1}}
    assert page["next_cursor"] is None
    [item] = page["applications"]
    assert set(item) == SUMMARY_KEYS
    assert item["id"] == app_id and item["reference"] == number
    assert item["applicant"] == {"user_id": sarah, "name": "Sarah Kim"}
    assert (item["loan_purpose"], item["status"]) == ("purchase", "documents_pending")
    assert (item["property_value"], item["loan_amount"], item["down_payment"]) == (
        "450000.00",
        "360000.00",
        "90000.00",
    )
    assert (item["term_years"], item["credit_score"]) == (30, 742)
    assert item["created_at"].endswith("Z") and item["updated_at"] >= item["created_at"]

    dti = tools.call(sarah, "calculate_mortgage_debt_to_income", application=number)
    assert Decimal(item["dti"]["front_end"]) * 100 == _decimal(dti["front_end_percent"])
    assert Decimal(item["dti"]["back_end"]) * 100 == _decimal(dti["back_end_percent"])
    assert item["dti"] == {"front_end": "0.261", "back_end": "0.317"}  # 26.1 % and 31.7 %
    progress = tools.call(sarah, "get_mortgage_application_progress", application=number)
    assert item["documents"] == {
        "received": progress["documents_received"],
        "required": progress["documents_required"],
    }
    assert item["documents"] == {"received": 3, "required": 8}
    assert item["progress"] == progress["percent_complete"] / 100 == 0.5

    detail = _get(client, f"{API}/{app_id}")
    assert set(detail) == DETAIL_KEYS
    assert {k: detail[k] for k in SUMMARY_KEYS} == item
    debts = tools.call(sarah, "list_mortgage_debts", application=number)["debts"]
    assert detail["debts"] == [
        {
            "debt_type": "auto_loan",
            "lender": "Toyota Financial",
            "monthly_payment": "385.00",
            "balance": "14200.00",
        },
        {"debt_type": "student_loan", "lender": "", "monthly_payment": "240.50", "balance": None},
    ]
    assert [d["debt_type"] for d in detail["debts"]] == [d["debt_type"] for d in debts]
    listed = tools.call(sarah, "list_mortgage_documents", application=number)["documents"]
    assert detail["documents_list"] == [
        {"document_type": d["document_type"], "status": "received", "received_at": d["received_on"]}
        for d in listed
    ]
    assert [d["document_type"] for d in detail["documents_list"]] == [
        "photo_id",
        "pay_stub",
        "pay_stub",
    ]
    missing = tools.call(sarah, "get_missing_mortgage_documents", application=number)
    assert detail["missing_documents"] == [d["document_type"] for d in missing["documents"]]
    assert detail["missing_documents"] == ["bank_statement", "w2", "purchase_agreement"]
    assert [(h["from_status"], h["to_status"]) for h in detail["status_history"]] == [
        (None, "started"),
        ("started", "documents_pending"),
    ]
    assert all(h["changed_at"].endswith("Z") for h in detail["status_history"])
    payment = tools.call(
        sarah,
        "calculate_mortgage_payment",
        loan_amount=360_000,
        annual_interest_rate=6.25,
        term_years=30,
    )
    assert Decimal(detail["monthly_payment"]) == _decimal(payment["monthly_payment"])
    assert detail["monthly_payment"] == str(_decimal(dti["principal_and_interest"])) == "2216.58"


def test_ratios_and_payment_are_null_until_known(client: TestClient, tools: ToolHarness) -> None:
    ada = tools.user("Ada Lovelace")
    no_income, _ = _apply(tools, ada)
    no_rate, number = _apply(tools, ada, interest_rate=None, employment_type=None)
    tools.call(ada, "update_mortgage_financial_info", application=number, annual_income=90_000)
    items = {a["id"]: a for a in _get(client)["applications"]}
    assert items[no_income]["dti"] is None and items[no_rate]["dti"] is None
    first = _get(client, f"{API}/{no_income}")
    assert (first["dti"], first["monthly_payment"]) == (None, "2216.58")
    second = _get(client, f"{API}/{no_rate}")
    assert (second["dti"], second["monthly_payment"]) == (None, None)
    # Without the employment type the income documents are not known yet (as the tools say).
    tool = tools.call(ada, "get_required_mortgage_documents", application=number)
    assert second["documents"]["required"] == sum(d["needed"] for d in tool["documents"]) == 4
    assert second["missing_documents"] == ["photo_id", "bank_statement", "purchase_agreement"]
    assert (second["debts"], second["documents_list"]) == ([], [])
    assert second["status_history"] == [
        {"from_status": None, "to_status": "started", "changed_at": second["created_at"]}
    ]


def test_every_users_applications_newest_first_with_the_summary_and_a_status_filter(
    client: TestClient, tools: ToolHarness, db: Database
) -> None:
    ada, bob = tools.user("Ada Lovelace"), tools.user("Bob Marley")
    made = [_apply(tools, ada)[0], _apply(tools, bob)[0], _apply(tools, ada, term_years=15)[0]]
    refinance, number = _apply(
        tools, bob, loan_purpose="refinance", loan_amount=200_000, down_payment=None
    )
    tools.call(bob, "withdraw_mortgage_application", application=number, confirmed=True)
    page = _get(client)
    ids = [a["id"] for a in page["applications"]]
    assert ids == _all_ids_newest_first(db) and set(ids) == {*made, refinance}
    assert page["summary"] == {"total": 4, "by_status": {"started": 3, "withdrawn": 1}}
    names = {a["id"]: a["applicant"]["name"] for a in page["applications"]}
    assert [names[i] for i in made] == ["Ada Lovelace", "Bob Marley", "Ada Lovelace"]
    assert all(set(a) == SUMMARY_KEYS for a in page["applications"])

    withdrawn = _get(client, status="withdrawn")
    assert [a["id"] for a in withdrawn["applications"]] == [refinance]
    assert withdrawn["applications"][0]["loan_purpose"] == "refinance"
    assert withdrawn["applications"][0]["down_payment"] == "0.00"
    assert withdrawn["summary"] == page["summary"]  # the counts are of every application
    assert _get(client, status="approved")["applications"] == []


def test_cursor_paging_reads_every_application_once_even_with_equal_times(
    client: TestClient, tools: ToolHarness, db: Database
) -> None:
    users = [tools.user(f"User {n}") for n in range(3)]
    for n in range(11):
        _apply(tools, users[n % 3], term_years=10 + n)
    # Four started in the same microsecond: the id orders them.
    db.execute(
        "UPDATE mortgage.applications SET created_at = '2026-06-01T12:00:00.123456Z'"
        " WHERE term_years BETWEEN 13 AND 16"
    )
    for limit in (1, 2, 3, 4, 11, 200):
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            page = _get(client, **params)
            pages += 1
            assert len(page["applications"]) <= limit
            seen += [a["id"] for a in page["applications"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(page["applications"]) == limit
        assert seen == _all_ids_newest_first(db), limit
        assert pages == -(-11 // limit), limit

    db.execute("UPDATE mortgage.applications SET status = 'under_review' WHERE term_years % 2 = 0")
    wanted = _all_ids_newest_first(db, "under_review")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "status": "under_review", **({"cursor": cursor} if cursor else {})}
        page = _get(client, **params)
        assert {a["status"] for a in page["applications"]} <= {"under_review"}
        seen += [a["id"] for a in page["applications"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == wanted and len(wanted) == 6


def test_a_cursor_round_trips_and_rejects_what_it_did_not_give() -> None:
    app_id = "0b0f0a52-8a4e-4c38-9d55-5a6f9b3a9c11"
    at = datetime(2026, 12, 2, 3, 0, 0, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, app_id)) == (at, app_id)
    naive = encode_cursor(at.replace(tzinfo=None), app_id)
    for bad in ("nope", "e30", "W10", encode_cursor(at, "not-a-uuid"), naive, "!!!!"):
        with pytest.raises(ValueError, match="cursor"):
            decode_cursor(bad)


def test_unknown_ids_are_404_and_bad_parameters_400(client: TestClient) -> None:
    unknown = client.get(f"{API}/2f1c9d3e-7b8a-4e6f-9c0d-1a2b3c4d5e6f")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert "2f1c9d3e-7b8a-4e6f-9c0d-1a2b3c4d5e6f" in unknown.json()["message"]
    not_an_id = client.get(f"{API}/MA-123456")
    assert not_an_id.status_code == 404
    assert not_an_id.json() == {
        "error": "not_found",
        "message": "'MA-123456' is not an application id (a UUID)",
    }
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"status": "pending"}, "status"),
    ):
        response = client.get(API, params=params)
        assert response.status_code == 400, params
        assert field in response.text
    bad_cursor = client.get(API, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json() == {
        "error": "invalid_request",
        "message": "cursor is not one this API gave",
        "field": "cursor",
    }
    empty = client.get(API).json()
    assert empty == {
        "summary": {"total": 0, "by_status": {}},
        "applications": [],
        "next_cursor": None,
    }
