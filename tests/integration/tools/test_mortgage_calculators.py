"""Mortgage calculator tools through the dispatcher: results as a model reads them, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.mcp_server.registry import to_json
from tests.tool_harness import ToolHarness

pytestmark = pytest.mark.integration


def _call(tools: ToolHarness, user: str, tool: str, **args: Any) -> dict[str, Any]:
    """The result as JSON, as the model reads it (amounts as numbers)."""
    result: dict[str, Any] = json.loads(to_json(tools.call(user, tool, **args)))
    return result


def test_monthly_payment_and_total_interest(tools: ToolHarness) -> None:
    ada = tools.user()
    result = _call(
        tools,
        ada,
        "calculate_mortgage_payment",
        loan_amount=300_000,
        annual_interest_rate=6,
        term_years=30,
    )
    assert result == {
        "ok": True,
        "loan_amount": 300000.0,
        "annual_interest_rate": 6.0,
        "term_years": 30,
        "number_of_payments": 360,
        "monthly_payment": 1798.65,
        "last_payment": 1799.22,
        "total_interest": 347514.57,
        "total_paid": 647514.57,
    }
    fifteen = _call(
        tools,
        ada,
        "calculate_mortgage_payment",
        loan_amount="250000",
        annual_interest_rate=5.5,
        term_years=15,
    )
    assert fifteen["monthly_payment"] == 2042.71
    free = _call(
        tools,
        ada,
        "calculate_mortgage_payment",
        loan_amount=120_000,
        annual_interest_rate=0,
        term_years=10,
    )
    assert (free["monthly_payment"], free["total_interest"]) == (1000.0, 0.0)
    assert tools.count("tools.call_results", ada) == 0  # pure maths: nothing recorded


def test_the_schedule_is_summarised_for_a_listener(tools: ToolHarness) -> None:
    ada = tools.user()
    result = _call(
        tools,
        ada,
        "get_mortgage_amortization_schedule",
        loan_amount=300_000,
        annual_interest_rate=6,
        term_years=30,
        first_months=3,
    )
    assert [m["month"] for m in result["first_months"]] == [1, 2, 3]
    assert result["first_months"][0] == {
        "month": 1,
        "payment": 1798.65,
        "principal": 298.65,
        "interest": 1500.0,
        "balance": 299701.35,
    }
    years = result["years"]
    assert len(years) == 30 and years[0]["year"] == 1 and years[-1]["balance_at_year_end"] == 0
    assert set(years[0]) == {"year", "paid", "principal", "interest", "balance_at_year_end"}
    assert round(sum(y["interest"] for y in years), 2) == result["total_interest"] == 347514.57
    assert round(sum(y["principal"] for y in years), 2) == 300000.0
    default = _call(
        tools,
        ada,
        "get_mortgage_amortization_schedule",
        loan_amount=200_000,
        annual_interest_rate=7,
        term_years=15,
    )
    assert len(default["first_months"]) == 12 and len(default["years"]) == 15


def test_affordability_says_which_limit_applied(tools: ToolHarness) -> None:
    ada = tools.user()
    front = _call(
        tools,
        ada,
        "check_mortgage_affordability",
        gross_annual_income=120_000,
        monthly_debts=500,
        annual_interest_rate=6,
        down_payment=50_000,
    )
    assert front["limit_applied"] == "front_end"
    assert front["gross_monthly_income"] == 10000.0
    assert front["max_monthly_housing_payment"] == 2800.0
    assert front["max_loan"] == 467016 and front["max_home_price"] == 517016
    assert "28 %" in front["why"]
    back = _call(
        tools,
        ada,
        "check_mortgage_affordability",
        gross_monthly_income=8_000,
        monthly_debts=1_200,
        annual_interest_rate=6.5,
        term_years=15,
        monthly_property_costs=400,
    )
    assert back["limit_applied"] == "back_end" and back["max_monthly_housing_payment"] == 1680.0
    assert back["monthly_principal_and_interest"] <= 1280.0
    assert "back-end" in back["why"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"loan_amount": 300_000, "annual_interest_rate": 26, "term_years": 30}, "annual_interest"),
        ({"loan_amount": 300_000, "annual_interest_rate": -1, "term_years": 30}, "annual_interest"),
        ({"loan_amount": 300_000, "annual_interest_rate": 6, "term_years": 41}, "term_years"),
        ({"loan_amount": 300_000, "annual_interest_rate": 6, "term_years": 0}, "term_years"),
        ({"loan_amount": 0, "annual_interest_rate": 6, "term_years": 30}, "loan_amount"),
        ({"loan_amount": 100_000_000, "annual_interest_rate": 6, "term_years": 30}, "loan_amount"),
        ({"loan_amount": "lots", "annual_interest_rate": 6, "term_years": 30}, "loan_amount"),
        ({"loan_amount": 300_000, "annual_interest_rate": 6}, "term_years: required"),
        ({"loan_amount": "0.5", "annual_interest_rate": 3, "term_years": 40}, "too small"),
        ({"loan_amount": "0.001", "annual_interest_rate": 3, "term_years": 40}, "less than a cent"),
    ],
)
def test_bad_loan_terms_are_refused(
    tools: ToolHarness, args: dict[str, Any], fragment: str
) -> None:
    ada = tools.user()
    for tool in ("calculate_mortgage_payment", "get_mortgage_amortization_schedule"):
        assert fragment in tools.refused(ada, tool, **args)["error"]


def test_affordability_needs_one_income(tools: ToolHarness) -> None:
    ada = tools.user()
    base = {"annual_interest_rate": 6, "monthly_debts": 0}
    neither = tools.refused(ada, "check_mortgage_affordability", **base)
    assert neither["reason"] == "refused" and "gross income" in neither["error"]
    both = tools.refused(
        ada,
        "check_mortgage_affordability",
        gross_monthly_income=5000,
        gross_annual_income=60000,
        **base,
    )
    assert "once" in both["error"]
    negative = tools.refused(
        ada,
        "check_mortgage_affordability",
        gross_monthly_income=5000,
        monthly_debts=-1,
        annual_interest_rate=6,
    )
    assert negative["reason"] == "invalid_arguments" and "monthly_debts" in negative["error"]
