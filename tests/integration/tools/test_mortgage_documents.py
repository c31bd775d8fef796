"""Mortgage debts, debt-to-income, documents and progress against the real PostgreSQL, and the
demo seed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from functions.tools.mortgage import demo
from shared.db import Database
from shared.mcp_server.registry import to_json
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _call(tools: ToolHarness, user: str, tool: str, **args: Any) -> dict[str, Any]:
    """The result as JSON, as the model reads it (amounts as numbers)."""
    result: dict[str, Any] = json.loads(to_json(tools.call(user, tool, **args)))
    return result


def _application(tools: ToolHarness, user: str, **extra: Any) -> str:
    args = {
        "loan_purpose": "purchase",
        "property_value": 400_000,
        "down_payment": 80_000,
        "interest_rate": 6,
        "employment_type": "salaried",
    }
    created = _call(tools, user, "create_mortgage_application", **{**args, **extra})
    number: str = created["application"]["application_number"]
    return number


def test_debts_add_list_remove(tools: ToolHarness) -> None:
    ada = tools.user()
    number = _application(tools, ada)
    car = _call(
        tools,
        ada,
        "add_mortgage_debt",
        debt_type="auto_loan",
        monthly_payment=385,
        balance=14_200,
        lender="Toyota Financial",
    )
    assert car["added"]["debt_type"] == "auto_loan" and car["added"]["balance"] == 14200.0
    assert car["application_number"] == number and car["total_monthly_payments"] == 385.0
    tools.call(ada, "add_mortgage_debt", debt_type="student_loan", monthly_payment=240.5)
    listed = _call(tools, ada, "list_mortgage_debts", application=number)
    assert [d["monthly_payment"] for d in listed["debts"]] == [385.0, 240.5]
    assert listed["total_monthly_payments"] == 625.5
    assert set(listed["debts"][0]) == {"id", "debt_type", "lender", "monthly_payment", "balance"}

    removed = _call(tools, ada, "remove_mortgage_debt", debt="the car loan")
    assert removed["removed"]["lender"] == "Toyota Financial"
    assert removed["total_monthly_payments"] == 240.5
    student = removed["debts"][0]["id"]
    tools.call(ada, "remove_mortgage_debt", debt=student)
    assert _call(tools, ada, "list_mortgage_debts")["debts"] == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"debt_type": "credit_card", "monthly_payment": 0}, "monthly_payment"),
        ({"debt_type": "credit_card", "monthly_payment": -5}, "monthly_payment"),
        ({"debt_type": "gambling", "monthly_payment": 50}, "debt_type"),
        ({"debt_type": "credit_card"}, "monthly_payment: required"),
        ({"debt_type": "other", "monthly_payment": 5, "balance": -1}, "balance"),
        ({"debt_type": "other", "monthly_payment": 5, "lender": "x" * 200}, "at most 120"),
    ],
)
def test_bad_debts_are_refused(tools: ToolHarness, args: dict[str, Any], fragment: str) -> None:
    ada = tools.user()
    _application(tools, ada)
    assert fragment in tools.refused(ada, "add_mortgage_debt", **args)["error"]
    assert tools.count("mortgage.debts", ada) == 0
    assert "no debt" in tools.refused(ada, "remove_mortgage_debt", debt="the boat")["error"]


def test_debt_to_income_from_listed_or_stated_debts(tools: ToolHarness) -> None:
    ada = tools.user()
    _application(tools, ada)
    assert "no income yet" in tools.refused(ada, "calculate_mortgage_debt_to_income")["error"]
    tools.call(
        ada, "update_mortgage_financial_info", annual_income=120_000, monthly_property_costs=500
    )
    # 320,000 at 6 % for 30 years is 1,918.56 a month; with 500 of tax and insurance, 2,418.56
    # of a 10,000 monthly income: 24.2 % front end.
    none = _call(tools, ada, "calculate_mortgage_debt_to_income")
    assert (none["principal_and_interest"], none["housing_payment"]) == (1918.56, 2418.56)
    assert none["front_end_percent"] == none["back_end_percent"] == 24.2
    assert none["band"] == "good" and none["front_end_within_28_percent"] is True
    assert none["debts_counted"].startswith("no debts")

    stated = {"good": 0, "acceptable": 1_500, "high": 2_500, "too_high": 4_000}
    backs = {"good": 24.2, "acceptable": 39.2, "high": 49.2, "too_high": 64.2}
    for band, debts in stated.items():
        tools.call(ada, "update_mortgage_financial_info", monthly_debts=debts)
        result = _call(tools, ada, "calculate_mortgage_debt_to_income")
        assert (result["band"], result["back_end_percent"]) == (band, backs[band])
        assert result["other_monthly_debts"] == debts
        assert result["debts_counted"] == "the monthly debt total the caller gave"

    tools.call(ada, "add_mortgage_debt", debt_type="auto_loan", monthly_payment=385)
    tools.call(ada, "add_mortgage_debt", debt_type="student_loan", monthly_payment=240)
    listed = _call(tools, ada, "calculate_mortgage_debt_to_income")
    assert listed["other_monthly_debts"] == 625.0 and listed["back_end_percent"] == 30.4
    assert listed["debts_counted"] == "the debts listed on the application"
    note = _call(tools, ada, "update_mortgage_financial_info", monthly_debts=100)
    assert "one by one" in note["note"]


def test_debt_to_income_needs_a_rate(tools: ToolHarness) -> None:
    ada = tools.user()
    _application(tools, ada, interest_rate=None)
    tools.call(ada, "update_mortgage_financial_info", annual_income=90_000)
    assert "no interest rate" in tools.refused(ada, "calculate_mortgage_debt_to_income")["error"]


def test_required_documents_depend_on_purpose_and_employment(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    _application(tools, ada)
    required = _call(tools, ada, "get_required_mortgage_documents")
    assert [(d["document_type"], d["needed"]) for d in required["documents"]] == [
        ("photo_id", 1),
        ("bank_statement", 2),
        ("pay_stub", 2),
        ("w2", 2),
        ("purchase_agreement", 1),
    ]
    assert set(required["documents"][0]) == {
        "document_type",
        "name",
        "needed",
        "received",
        "still_needed",
        "why",
    }
    assert required["complete"] is False

    _application(
        tools,
        bob,
        loan_purpose="refinance",
        loan_amount=200_000,
        down_payment=None,
        employment_type=None,
    )
    unknown = _call(tools, bob, "get_required_mortgage_documents")
    assert [d["document_type"] for d in unknown["documents"]] == [
        "photo_id",
        "bank_statement",
        "mortgage_statement",
        "homeowners_insurance",
    ]
    assert "how the applicant earns" in unknown["note"] and unknown["complete"] is False
    tools.call(bob, "update_mortgage_financial_info", employment_type="self_employed")
    refinance = _call(tools, bob, "get_required_mortgage_documents")
    assert [d["document_type"] for d in refinance["documents"]] == [
        "photo_id",
        "bank_statement",
        "tax_return",
        "profit_and_loss_statement",
        "mortgage_statement",
        "homeowners_insurance",
    ]


def test_record_documents_and_see_what_is_missing(tools: ToolHarness) -> None:
    ada = tools.user(timezone="America/Chicago")
    number = _application(tools, ada)
    first = _call(
        tools,
        ada,
        "record_mortgage_document",
        document_type="pay_stub",
        description="  period ending\x00 March 15 ",
    )
    recorded = first["recorded"]
    assert recorded["document_type"] == "pay_stub" and recorded["name"] == "pay stub"
    assert recorded["description"] == "period ending March 15"
    assert first["still_missing"] == (
        "a photo ID, 2 bank statements, a pay stub, 2 W-2 forms and a signed purchase agreement"
    )
    last_week = (date.today() - timedelta(days=7)).isoformat()
    tools.call(ada, "record_mortgage_document", document_type="photo_id", received_on=last_week)
    tools.call(ada, "record_mortgage_document", application=number, document_type="gift_letter")
    listed = _call(tools, ada, "list_mortgage_documents")["documents"]
    assert [d["document_type"] for d in listed] == ["photo_id", "pay_stub", "gift_letter"]
    assert listed[0]["received_on"] == last_week

    missing = _call(tools, ada, "get_missing_mortgage_documents")
    assert [(d["document_type"], d["still_needed"]) for d in missing["documents"]] == [
        ("bank_statement", 2),
        ("pay_stub", 1),
        ("w2", 2),
        ("purchase_agreement", 1),
    ]
    required = _call(tools, ada, "get_required_mortgage_documents")["documents"]
    assert {d["document_type"]: d["received"] for d in required}["pay_stub"] == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"document_type": "selfie"}, "document_type"),
        ({}, "document_type: required"),
        ({"document_type": "w2", "received_on": "2999-01-01"}, "in the future"),
        ({"document_type": "w2", "received_on": "last week"}, "received_on"),
        ({"document_type": "w2", "description": "y" * 400}, "at most 300"),
    ],
)
def test_bad_documents_are_refused(tools: ToolHarness, args: dict[str, Any], fragment: str) -> None:
    ada = tools.user()
    _application(tools, ada)
    assert fragment in tools.refused(ada, "record_mortgage_document", **args)["error"]
    assert tools.count("mortgage.documents", ada) == 0


def test_progress_counts_the_steps_and_says_what_is_next(tools: ToolHarness) -> None:
    ada = tools.user()
    _application(tools, ada)
    start = _call(tools, ada, "get_mortgage_application_progress")
    assert start["percent_complete"] == 17 and start["steps_done"] == ["application_started"]
    assert start["next_step"] == "give the gross income and the credit score"
    assert [s["step"] for s in start["steps_remaining"]] == [
        "financial_details",
        "debts",
        "documents",
        "submitted_for_review",
        "decision",
    ]
    tools.call(ada, "update_mortgage_financial_info", annual_income=100_000, credit_score=720)
    tools.call(ada, "add_mortgage_debt", debt_type="credit_card", monthly_payment=60)
    tools.call(ada, "record_mortgage_document", document_type="photo_id")
    half = _call(tools, ada, "get_mortgage_application_progress")
    assert half["percent_complete"] == 50
    assert half["steps_done"] == ["application_started", "financial_details", "debts"]
    assert (half["documents_received"], half["documents_required"]) == (1, 8)
    assert half["next_step"].startswith("send the missing documents: 2 bank statements")


def test_the_demo_seed_is_idempotent_and_the_tools_see_it(tools: ToolHarness, db: Database) -> None:
    user = tools.user("Demo User")
    today = date.today()
    demo.seed(db, user, today)
    demo.seed(db, user, today + timedelta(days=1))
    for table, rows in (
        ("mortgage.applications", 1),
        ("mortgage.debts", 3),
        ("mortgage.documents", 5),
        ("mortgage.status_changes", 2),
    ):
        assert tools.count(table, user) == rows, table

    status = _call(tools, user, "get_mortgage_application_status")
    app = status["application"]
    assert status["status"] == "documents_pending" and app["loan_amount"] == 340000.0
    assert app["credit_score"] == 742 and app["started_on"] == (today - timedelta(14)).isoformat()
    assert [h["status"] for h in status["history"]] == ["started", "documents_pending"]
    assert _call(tools, user, "list_mortgage_debts")["total_monthly_payments"] == 720.0
    dti = _call(tools, user, "calculate_mortgage_debt_to_income")
    assert dti["band"] in ("good", "acceptable") and dti["debts_counted"].startswith("the debts")
    missing = _call(tools, user, "get_missing_mortgage_documents")
    assert missing["missing"] == "a bank statement, 2 W-2 forms and a signed purchase agreement"
    progress = _call(tools, user, "get_mortgage_application_progress")
    assert progress["percent_complete"] == 50
    assert (progress["documents_received"], progress["documents_required"]) == (4, 8)
