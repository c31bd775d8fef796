"""The rules model's understanding of the mortgage tools' phrasings: spoken amounts, rates and
terms, the questions when a calculation lacks a figure, a calculation asked again with one
figure changed, and the application, its documents, debts and financial details."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from functions.agent_turn.agent import intents
from functions.agent_turn.agent.dialogue import Answer, Context, Intent
from functions.agent_turn.agent.mortgage_amounts import Figures, canonical
from functions.agent_turn.agent.mortgage_intents import ASK_INCOME, ASK_RATE
from functions.agent_turn.agent.mortgage_paperwork import ASK_PURPOSE, ASK_WITHDRAW, KEPT

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)
PAYMENT = "calculate_mortgage_payment"


@pytest.mark.parametrize(
    ("said", "amount", "rate", "term"),
    [
        ("three hundred thousand at six and a half percent over thirty years", 300000, 6.5, 30),
        ("$450k at 7% for 15 years", 450000, 7, 15),
        ("1.2 million at 4.5 percent for 30 years", 1200000, 4.5, 30),
        ("one point two million at four point five percent", 1200000, 4.5, None),
        ("three twenty five thousand at six and a quarter percent", 325000, 6.25, None),
        ("$300,000 at 6.875% 30-year fixed", 300000, 6.875, 30),
        ("half a million at seven and three quarters percent", 500000, 7.75, None),
        ("250 grand, rate is 6.1, twenty year term", 250000, 6.1, 20),
    ],
)
def test_spoken_figures(said: str, amount: int, rate: float, term: int | None) -> None:
    figures = Figures.of(canonical(said))
    assert (figures.first_amount(), figures.rate, figures.term) == (amount, rate, term)


@pytest.mark.parametrize(
    ("said", "tool", "args"),
    [
        (
            "what would my payment be on three hundred thousand at six and a half percent over "
            "thirty years",
            PAYMENT,
            {"loan_amount": 300000, "annual_interest_rate": 6.5, "term_years": 30},
        ),
        (
            "$450k at 7% for 15 years",
            PAYMENT,
            {"loan_amount": 450000, "annual_interest_rate": 7, "term_years": 15},
        ),
        (
            "monthly payment on 275,000 at 6.1%",
            PAYMENT,
            {"loan_amount": 275000, "annual_interest_rate": 6.1, "term_years": 30},
        ),
        (
            "what's the payment on a 500k house with 100k down at 6.5 percent over 30 years",
            PAYMENT,
            {"loan_amount": 400000, "annual_interest_rate": 6.5, "term_years": 30},
        ),
        (
            "show me the amortization schedule for 200k at 6 percent over thirty years",
            "get_mortgage_amortization_schedule",
            {"loan_amount": 200000, "annual_interest_rate": 6, "term_years": 30},
        ),
        (
            "I make 95k a year, how much house can I afford at 7 percent",
            "check_mortgage_affordability",
            {"gross_annual_income": 95000, "annual_interest_rate": 7},
        ),
        (
            "could I qualify for a mortgage? my income is 8000 a month, I pay 600 a month on my "
            "car, rates are around six percent",
            "check_mortgage_affordability",
            {"gross_monthly_income": 8000, "monthly_debts": 600, "annual_interest_rate": 6},
        ),
        ("what's my debt to income ratio", "calculate_mortgage_debt_to_income", {}),
        (
            "I want to apply for a mortgage to buy a 600k home with 120k down",
            "create_mortgage_application",
            {"loan_purpose": "purchase", "property_value": 600000, "down_payment": 120000},
        ),
        (
            "I'd like to refinance my home, it's worth 700 thousand and I owe 380 thousand",
            "create_mortgage_application",
            {"loan_purpose": "refinance", "property_value": 700000, "loan_amount": 380000},
        ),
        ("what's the status of my application", "get_mortgage_application_status", {}),
        (
            "where is my mortgage application MA-482913",
            "get_mortgage_application_status",
            {"application": "MA-482913"},
        ),
        ("how far along is my mortgage application", "get_mortgage_application_progress", {}),
        ("list my open mortgage applications", "list_mortgage_applications", {"which": "open"}),
        ("please submit my mortgage application", "submit_mortgage_application", {}),
        ("what documents do I still need", "get_missing_mortgage_documents", {}),
        ("which documents do you need for my mortgage", "get_required_mortgage_documents", {}),
        ("what paperwork have you received so far", "list_mortgage_documents", {}),
        ("I uploaded my W2", "record_mortgage_document", {"document_type": "w2"}),
        (
            "I sent my 2025 tax return yesterday",
            "record_mortgage_document",
            {"document_type": "tax_return", "description": "2025", "received_on": "2026-11-30"},
        ),
        (
            "add my car loan, four fifty a month",
            "add_mortgage_debt",
            {"debt_type": "auto_loan", "monthly_payment": 450},
        ),
        (
            "I also have a student loan with Nelnet, 320 dollars a month",
            "add_mortgage_debt",
            {"debt_type": "student_loan", "monthly_payment": 320, "lender": "Nelnet"},
        ),
        ("what debts are on my application", "list_mortgage_debts", {}),
        ("I paid off the car loan", "remove_mortgage_debt", {"debt": "the car loan"}),
        (
            "my credit score is seven twenty",
            "update_mortgage_financial_info",
            {"credit_score": 720},
        ),
        (
            "I make one hundred and five thousand a year",
            "update_mortgage_financial_info",
            {"annual_income": 105000},
        ),
        (
            "I'm self-employed",
            "update_mortgage_financial_info",
            {"employment_type": "self_employed"},
        ),
    ],
)
def test_phrasings(said: str, tool: str, args: dict[str, Any]) -> None:
    assert intents.parse(said, TODAY) == Intent(tool, args)


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("what would the payment be on 350 thousand", ASK_RATE),
        ("can I afford a four hundred thousand dollar house", ASK_INCOME),
        ("start a mortgage application", ASK_PURPOSE),
        ("withdraw my mortgage application", ASK_WITHDRAW),
    ],
)
def test_questions(said: str, question: str) -> None:
    understood = intents.parse(said, TODAY)
    assert isinstance(understood, Answer)
    assert understood.text == question


def test_an_answer_is_read_with_its_request() -> None:
    asked = Context(asked=(("what would the payment be on 350 thousand over 30 years", ASK_RATE),))
    assert intents.parse("seven percent", TODAY, asked) == Intent(
        PAYMENT, {"loan_amount": 350000, "annual_interest_rate": 7, "term_years": 30}
    )


def test_a_calculation_asked_again_keeps_the_other_figures() -> None:
    args = {"loan_amount": 300000, "annual_interest_rate": 6.5, "term_years": 30}
    before = Context(tool=PAYMENT, args=args, result={"ok": True})
    assert intents.parse("and over fifteen years?", TODAY, before) == Intent(
        PAYMENT, args | {"term_years": 15}
    )
    assert intents.parse("what about at 6 percent", TODAY, before) == Intent(
        PAYMENT, args | {"annual_interest_rate": 6}
    )


def test_withdrawal_waits_for_a_yes() -> None:
    asked = Context(asked=(("withdraw my mortgage application", ASK_WITHDRAW),))
    assert intents.parse("yes, I'm sure", TODAY, asked) == Intent(
        "withdraw_mortgage_application", {"confirmed": True}
    )
    assert intents.parse("no, keep it", TODAY, asked) == Answer(
        KEPT, "withdraw_mortgage_application"
    )


def test_productivity_keeps_its_own() -> None:
    assert intents.parse("remind me to pay the mortgage tomorrow at 9", TODAY) != Intent(
        "get_mortgage_application_status", {}
    )
    found = intents.parse("add a todo to call the lender", TODAY)
    assert isinstance(found, Intent) and found.tool == "add_todo"
