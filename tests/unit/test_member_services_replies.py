"""What the rules model says to the mortgage, health plan and clinic tools' results: amounts as
dollars, dates as a person says them, and failures as an apology; through the model itself."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool

from functions.agent_turn.agent import healthcare_replies as health
from functions.agent_turn.agent import mortgage_replies as mortgage
from functions.agent_turn.agent.rules_model import RulesChatModel

pytestmark = pytest.mark.unit


def test_amounts_are_said_as_dollars() -> None:
    assert mortgage.say_money(1896.2) == "$1,896.20"
    assert mortgage.say_money(300000) == "$300,000"
    assert mortgage.say_percent(6.5) == "6.5 percent"


@pytest.mark.parametrize(
    ("reply", "result", "args", "said"),
    [
        (
            mortgage.reply_payment,
            {
                "loan_amount": 300000,
                "annual_interest_rate": 6.5,
                "term_years": 30,
                "monthly_payment": 1896.2,
                "total_interest": 382633.47,
            },
            {},
            ["$300,000 at 6.5 percent over 30 years", "$1,896.20 a month", "$382,633.47"],
        ),
        (
            mortgage.reply_affordability,
            {"max_loan": 310000, "max_home_price": 360000, "max_monthly_housing_payment": 2216.67},
            {},
            ["$310,000", "$360,000", "$2,216.67 a month"],
        ),
        (
            mortgage.reply_dti,
            {"front_end_percent": 24.5, "back_end_percent": 33.1, "band": "good"},
            {},
            ["33.1 percent", "24.5 percent", "good"],
        ),
        (
            mortgage.reply_missing,
            {"missing": "2 pay stubs and a photo ID"},
            {},
            ["2 pay stubs and a photo ID"],
        ),
        (
            mortgage.reply_document,
            {"recorded": {"name": "W-2"}, "still_missing": "nothing"},
            {"document_type": "w2"},
            ["W-2", "everything"],
        ),
        (
            mortgage.reply_status,
            {
                "status": "under_review",
                "next_step": "wait for the underwriter",
                "application": {
                    "application_number": "MA-482913",
                    "status_meaning": "with an underwriter for review",
                },
            },
            {},
            ["MA-482913", "with an underwriter"],
        ),
        (
            health.reply_deductible,
            {
                "individual": {
                    "deductible": {"limit": 1500, "met": 600, "remaining": 900},
                    "out_of_pocket": {"limit": 5000, "met": 800, "remaining": 4200},
                }
            },
            {},
            ["$600 of your $1,500 deductible", "$900 to go", "$4,200"],
        ),
        (
            health.reply_claims,
            {
                "claims": [
                    {
                        "provider": "Bay Imaging",
                        "service_date": "2026-11-12",
                        "status": "denied",
                        "status_note": "no prior authorization",
                    }
                ]
            },
            {},
            ["Bay Imaging on Thursday, November 12", "denied", "no prior authorization"],
        ),
        (
            health.reply_coverage,
            {
                "asked_about": "MRI",
                "covered": True,
                "prior_auth_required": True,
                "in_network": {"cost_share": "20% after the deductible"},
            },
            {"service": "MRI"},
            ["MRI is covered", "20% after the deductible", "prior authorization"],
        ),
        (
            health.reply_coverage,
            {"asked_about": "acupuncture", "covered": False},
            {},
            ["acupuncture isn't covered"],
        ),
        (
            health.reply_appointment,
            {"appointment": {}},
            {"start": "2026-12-04T10:00", "reason": "sore throat"},
            ["Friday, December 4 at 10 AM"],
        ),
        (
            health.reply_providers,
            {
                "providers": [{"name": "Dr. Ana Ruiz", "address": "1 Main St, Oakland, CA 94612"}],
                "specialty": "Dermatology",
            },
            {},
            ["Dr. Ana Ruiz", "1 Main St"],
        ),
    ],
)
def test_replies(reply: Any, result: dict[str, Any], args: dict[str, Any], said: list[str]) -> None:
    spoken = reply(result, args)
    for words in said:
        assert words in spoken


def _stand_in(name: str) -> StructuredTool:
    return StructuredTool.from_function(func=lambda: "{}", name=name, description=name)


def test_through_the_model_a_result_is_spoken_and_a_failure_apologised_for() -> None:
    tools = [_stand_in("calculate_mortgage_payment"), _stand_in("get_deductible_status")]
    model = RulesChatModel(today=date(2026, 12, 1)).bind_tools(tools)
    said = HumanMessage("payment on 300k at 6.5 percent over 30 years")
    call: AIMessage = model.invoke([said])
    assert call.tool_calls[0]["name"] == "calculate_mortgage_payment"
    result = {
        "ok": True,
        "monthly_payment": 1896.2,
        "loan_amount": 300000,
        "annual_interest_rate": 6.5,
        "term_years": 30,
    }
    answered = ToolMessage(json.dumps(result), tool_call_id=call.tool_calls[0]["id"])
    assert "$1,896.20 a month" in str(model.invoke([said, call, answered]).content)
    asked = HumanMessage("how much of my deductible have I met")
    call = model.invoke([asked])
    failed = ToolMessage(
        json.dumps({"ok": False, "reason": "unavailable"}), tool_call_id=call.tool_calls[0]["id"]
    )
    reply = str(model.invoke([asked, call, failed]).content)
    assert "health plan" in reply and "try again" in reply
