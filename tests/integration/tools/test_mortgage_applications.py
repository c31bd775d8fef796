"""Mortgage application tools against the real PostgreSQL: creating, reading, changing,
submitting and withdrawing; bad input; other users' applications out of reach."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shared.mcp_server.registry import to_json
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _call(tools: ToolHarness, user: str, tool: str, **args: Any) -> dict[str, Any]:
    """The result as JSON, as the model reads it (amounts as numbers)."""
    result: dict[str, Any] = json.loads(to_json(tools.call(user, tool, **args)))
    return result


def _purchase(tools: ToolHarness, user: str, **extra: Any) -> dict[str, Any]:
    args = {"loan_purpose": "purchase", "property_value": 400_000, "down_payment": 80_000}
    created = _call(tools, user, "create_mortgage_application", **{**args, **extra})
    application: dict[str, Any] = created["application"]
    return application


def _all_documents(tools: ToolHarness, user: str, number: str) -> None:
    for document_type, count in (
        ("photo_id", 1),
        ("bank_statement", 2),
        ("pay_stub", 2),
        ("w2", 2),
        ("purchase_agreement", 1),
    ):
        for _ in range(count):
            tools.call(
                user, "record_mortgage_document", application=number, document_type=document_type
            )


def test_create_a_purchase_works_out_the_loan(tools: ToolHarness) -> None:
    ada = tools.user()
    result = _call(
        tools,
        ada,
        "create_mortgage_application",
        loan_purpose="purchase",
        property_value=400_000,
        down_payment=80_000,
        interest_rate=6.25,
    )
    app = result["application"]
    assert re.fullmatch(r"MA-\d{6}", app["application_number"])
    assert app["status"] == "started" and app["loan_purpose"] == "purchase"
    assert (app["property_value"], app["loan_amount"], app["down_payment"]) == (
        400000.0,
        320000.0,
        80000.0,
    )
    assert app["loan_to_value_percent"] == 80.0 and app["term_years"] == 30
    assert app["interest_rate"] == 6.25 and app["credit_score"] is None
    assert "give the gross income" in result["next_step"]
    assert tools.count("mortgage.applications", ada) == 1
    assert tools.count("mortgage.status_changes", ada) == 1

    refinance = _call(
        tools,
        ada,
        "create_mortgage_application",
        loan_purpose="refinance",
        property_value=500_000,
        loan_amount=250_000,
        term_years=15,
    )["application"]
    assert refinance["down_payment"] == 0.0 and refinance["loan_to_value_percent"] == 50.0
    assert refinance["application_number"] != app["application_number"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"loan_purpose": "purchase", "property_value": 400_000}, "how much is to be borrowed"),
        (
            {"loan_purpose": "purchase", "property_value": 400_000, "down_payment": 400_000},
            "leaves nothing to borrow",
        ),
        (
            {"loan_purpose": "purchase", "property_value": 400_000, "loan_amount": 450_000},
            "more than the price",
        ),
        (
            {
                "loan_purpose": "purchase",
                "property_value": 400_000,
                "loan_amount": 350_000,
                "down_payment": 80_000,
            },
            "more than the price",
        ),
        ({"loan_purpose": "refinance", "property_value": 400_000}, "how much is to be borrowed"),
        (
            {
                "loan_purpose": "refinance",
                "property_value": 400_000,
                "loan_amount": 100_000,
                "down_payment": 5_000,
            },
            "no down payment",
        ),
        (
            {"loan_purpose": "refinance", "property_value": 300_000, "loan_amount": 350_000},
            "more than the home is worth",
        ),
        ({"loan_purpose": "cash_out", "property_value": 1, "loan_amount": 1}, "loan_purpose"),
        ({"loan_purpose": "purchase", "property_value": -5, "loan_amount": 1}, "property_value"),
        (
            {"loan_purpose": "purchase", "property_value": 4e5, "loan_amount": 1, "term_years": 50},
            "term_years",
        ),
        (
            {
                "loan_purpose": "purchase",
                "property_value": 4e5,
                "loan_amount": 1,
                "employment_type": "pirate",
            },
            "employment_type",
        ),
    ],
)
def test_bad_applications_are_refused_and_nothing_is_written(
    tools: ToolHarness, args: dict[str, Any], fragment: str
) -> None:
    ada = tools.user()
    assert fragment in tools.refused(ada, "create_mortgage_application", **args)["error"]
    assert tools.count("mortgage.applications", ada) == 0


def test_status_by_number_or_the_only_open_one(tools: ToolHarness) -> None:
    ada = tools.user()
    assert (
        "no mortgage application yet"
        in tools.refused(ada, "get_mortgage_application_status")["error"]
    )
    number = _purchase(tools, ada)["application_number"]
    for ref in (None, number, number.lower(), number[3:], " ".join(number[3:])):
        args = {} if ref is None else {"application": ref}
        status = _call(tools, ada, "get_mortgage_application_status", **args)
        assert status["application"]["application_number"] == number
        assert status["status"] == "started" and status["percent_complete"] == 17
        assert [h["status"] for h in status["history"]] == ["started"]
    assert (
        "no mortgage application of yours has the number MA-000000"
        in tools.refused(ada, "get_mortgage_application_status", application="MA-000000")["error"]
    )
    assert (
        "no mortgage application"
        in tools.refused(ada, "get_mortgage_application_status", application="the blue one")[
            "error"
        ]
    )

    second = _purchase(tools, ada, property_value=250_000)["application_number"]
    which = tools.refused(ada, "get_mortgage_application_status")["error"]
    assert "2 open applications" in which and number in which and second in which
    listed = _call(tools, ada, "list_mortgage_applications")["applications"]
    assert [a["application_number"] for a in listed] == [second, number]
    assert set(listed[0]) == {
        "application_number",
        "loan_purpose",
        "status",
        "loan_amount",
        "property_value",
        "started_on",
    }
    tools.call(ada, "withdraw_mortgage_application", application=second, confirmed=True)
    closed = _call(tools, ada, "list_mortgage_applications", which="closed")["applications"]
    assert [a["application_number"] for a in closed] == [second]
    assert (
        _call(tools, ada, "get_mortgage_application_status")["application"]["application_number"]
        == number
    )  # the only open one again
    assert "which" in tools.refused(ada, "list_mortgage_applications", which="some")["error"]


def test_update_financial_info(tools: ToolHarness) -> None:
    ada = tools.user()
    number = _purchase(tools, ada)["application_number"]
    updated = _call(
        tools,
        ada,
        "update_mortgage_financial_info",
        credit_score=742,
        monthly_income=9_500,
        employment_type="salaried",
        interest_rate=6.5,
    )
    app = updated["application"]
    assert (app["credit_score"], app["annual_income"], app["employment_type"]) == (
        742,
        114000.0,
        "salaried",
    )
    assert set(updated["changed"]) == {
        "credit_score",
        "annual_income",
        "employment_type",
        "interest_rate",
    }
    # A purchase: a new down payment changes the loan; a new loan changes the down payment.
    more_down = _call(tools, ada, "update_mortgage_financial_info", down_payment=100_000)
    assert more_down["application"]["loan_amount"] == 300000.0
    assert more_down["changed"] == ["loan_amount", "down_payment"]
    new_loan = _call(tools, ada, "update_mortgage_financial_info", loan_amount=360_000)
    assert new_loan["application"]["down_payment"] == 40000.0
    new_price = _call(
        tools, ada, "update_mortgage_financial_info", application=number, property_value=420_000
    )
    assert new_price["application"]["loan_amount"] == 380000.0  # same 40,000 down
    yearly = _call(
        tools, ada, "update_mortgage_financial_info", annual_income=120_000, monthly_debts=0
    )
    assert yearly["application"]["annual_income"] == 120000.0
    assert yearly["application"]["stated_monthly_debts"] == 0.0
    same = _call(tools, ada, "update_mortgage_financial_info", credit_score=742)
    assert same["changed"] == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "tell me what to change"),
        ({"credit_score": 900}, "credit_score"),
        ({"credit_score": 299}, "credit_score"),
        ({"annual_income": 0}, "annual_income"),
        ({"annual_income": 90_000, "monthly_income": 7_500}, "once"),
        ({"monthly_debts": -20}, "monthly_debts"),
        ({"interest_rate": 30}, "interest_rate"),
        ({"loan_amount": 500_000}, "more than the price"),
        ({"down_payment": 400_000}, "leaves nothing to borrow"),
        ({"user_id": "someone"}, "no such argument"),
    ],
)
def test_bad_financial_info_is_refused_and_nothing_changes(
    tools: ToolHarness, args: dict[str, Any], fragment: str
) -> None:
    ada = tools.user()
    before = _purchase(tools, ada)
    assert fragment in tools.refused(ada, "update_mortgage_financial_info", **args)["error"]
    after = _call(tools, ada, "get_mortgage_application_status")["application"]
    assert after == before


def test_submit_moves_forward_only_when_ready(tools: ToolHarness) -> None:
    ada = tools.user()
    number = _purchase(tools, ada, interest_rate=6)["application_number"]
    early = tools.refused(ada, "submit_mortgage_application")["error"]
    assert "before it can be submitted" in early and "credit score" in early
    assert "monthly debt" in early
    tools.call(
        ada,
        "update_mortgage_financial_info",
        credit_score=700,
        annual_income=110_000,
        employment_type="salaried",
        monthly_debts=450,
    )
    submitted = _call(tools, ada, "submit_mortgage_application")
    assert submitted["status"] == "documents_pending"
    assert submitted["moved_to"] == ["documents_pending"]
    assert "send the missing documents" in submitted["next_step"]
    waiting = tools.refused(ada, "submit_mortgage_application")["error"]
    assert "still missing" in waiting and "2 W-2 forms" in waiting

    _all_documents(tools, ada, number)
    reviewed = _call(tools, ada, "submit_mortgage_application", application=number)
    assert reviewed["status"] == "under_review" and reviewed["moved_to"] == ["under_review"]
    assert (
        "already with an underwriter" in tools.refused(ada, "submit_mortgage_application")["error"]
    )
    assert (
        "under review"
        in tools.refused(ada, "update_mortgage_financial_info", credit_score=710)["error"]
    )
    assert (
        "under review"
        in tools.refused(ada, "add_mortgage_debt", debt_type="credit_card", monthly_payment=50)[
            "error"
        ]
    )
    history = _call(tools, ada, "get_mortgage_application_status")["history"]
    assert [h["status"] for h in history] == ["started", "documents_pending", "under_review"]


def test_submit_goes_straight_to_review_when_everything_is_in(tools: ToolHarness) -> None:
    ada = tools.user()
    number = _purchase(tools, ada, interest_rate=6, employment_type="salaried")[
        "application_number"
    ]
    tools.call(ada, "update_mortgage_financial_info", credit_score=760, annual_income=150_000)
    tools.call(ada, "add_mortgage_debt", debt_type="auto_loan", monthly_payment=300)
    _all_documents(tools, ada, number)
    result = _call(tools, ada, "submit_mortgage_application")
    assert result["moved_to"] == ["documents_pending", "under_review"]
    assert result["next_step"] == "wait for the underwriter"


def test_withdraw_is_final_and_needs_confirmation(tools: ToolHarness) -> None:
    ada = tools.user()
    number = _purchase(tools, ada)["application_number"]
    unconfirmed = tools.refused(ada, "withdraw_mortgage_application", application=number)
    assert unconfirmed["reason"] == "invalid_arguments" and "confirmed" in unconfirmed["error"]
    assert tools.refused(ada, "withdraw_mortgage_application", application=number, confirmed=False)
    done = _call(tools, ada, "withdraw_mortgage_application", application=number, confirmed=True)
    assert done["withdrawn"] is True and done["application"]["status"] == "withdrawn"
    again = tools.refused(ada, "withdraw_mortgage_application", confirmed=True)["error"]
    assert "already withdrawn" in again
    assert (
        "withdrawn"
        in tools.refused(ada, "update_mortgage_financial_info", credit_score=700)["error"]
    )
    assert (
        "takes no more documents"
        in tools.refused(ada, "record_mortgage_document", document_type="w2")["error"]
    )
    assert "already withdrawn" in tools.refused(ada, "submit_mortgage_application")["error"]
    status = _call(tools, ada, "get_mortgage_application_status")
    assert status["status"] == "withdrawn" and "withdrawn" in status["next_step"]


def test_another_users_application_is_out_of_reach(tools: ToolHarness) -> None:
    ada, bob = tools.user("Ada"), tools.user("Bob")
    bobs = _purchase(tools, bob, interest_rate=6, employment_type="salaried")
    number = bobs["application_number"]
    tools.call(bob, "update_mortgage_financial_info", annual_income=90_000, credit_score=690)
    debt = tools.call(bob, "add_mortgage_debt", debt_type="auto_loan", monthly_payment=400)
    tools.call(bob, "record_mortgage_document", document_type="photo_id")

    assert _call(tools, ada, "list_mortgage_applications")["applications"] == []
    by_number = {"application": number}
    for tool, extra in (
        ("get_mortgage_application_status", {}),
        ("update_mortgage_financial_info", {"credit_score": 300}),
        ("submit_mortgage_application", {}),
        ("withdraw_mortgage_application", {"confirmed": True}),
        ("calculate_mortgage_debt_to_income", {}),
        ("add_mortgage_debt", {"debt_type": "credit_card", "monthly_payment": 10}),
        ("list_mortgage_debts", {}),
        ("remove_mortgage_debt", {"debt": debt["added"]["id"]}),
        ("record_mortgage_document", {"document_type": "w2"}),
        ("list_mortgage_documents", {}),
        ("get_required_mortgage_documents", {}),
        ("get_missing_mortgage_documents", {}),
        ("get_mortgage_application_progress", {}),
    ):
        assert (
            "no mortgage application of yours"
            in tools.refused(ada, tool, **by_number, **extra)["error"]
        ), tool
        assert "no mortgage application yet" in tools.refused(ada, tool, **extra)["error"], tool
    # Ada's own application does not reach Bob's debt either.
    _purchase(tools, ada)
    assert (
        "no debt" in tools.refused(ada, "remove_mortgage_debt", debt=debt["added"]["id"])["error"]
    )
    assert tools.count("mortgage.debts", ada) == tools.count("mortgage.documents", ada) == 0

    still = _call(tools, bob, "get_mortgage_application_status")["application"]
    assert (still["status"], still["credit_score"], still["annual_income"]) == (
        "started",
        690,
        90000.0,
    )
    assert tools.count("mortgage.debts", bob) == tools.count("mortgage.documents", bob) == 1


def test_a_redelivered_create_writes_one_application(tools: ToolHarness) -> None:
    ada = tools.user()
    args = {"loan_purpose": "purchase", "property_value": 300_000, "loan_amount": 240_000}
    first = tools.outcome(ada, "create_mortgage_application", key="turn-1:create:1", **args)
    again = tools.outcome(ada, "create_mortgage_application", key="turn-1:create:1", **args)
    assert again.replayed and json.loads(to_json(first.result)) == again.result
    assert tools.count("mortgage.applications", ada) == 1
