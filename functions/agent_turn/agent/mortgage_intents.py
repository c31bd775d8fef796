"""The mortgage tools' plain phrasings: payment maths ("what would my payment be on three hundred
thousand at six and a half percent over thirty years"), affordability and debt-to-income here;
the application, its documents, debts and financial details in mortgage_paperwork.

A calculation that lacks the rate or the amount is answered with a question, and the answer is
read together with the request. A calculation just made may be asked again with one figure
changed ("and over fifteen years?", "what about at 6 percent"): the other figures are kept.
"""

from __future__ import annotations

import re
from datetime import date

from functions.agent_turn.agent import mortgage_paperwork as paperwork
from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.mortgage_amounts import DOWN, Figures, canonical, money_roles
from functions.agent_turn.agent.mortgage_paperwork import application_ref

CALCULATORS = ("calculate_mortgage_payment", "get_mortgage_amortization_schedule")
AFFORDABILITY = "check_mortgage_affordability"
TOOLS = (*CALCULATORS, AFFORDABILITY, "calculate_mortgage_debt_to_income", *paperwork.TOOLS)
ASK_LOAN = "How much would you borrow, and at what interest rate?"
ASK_RATE = "At what interest rate?"
ASK_AMOUNT = "How much would you borrow?"
ASK_INCOME = "What's your gross yearly income, and what interest rate were you quoted?"
ASK_INCOME_ONLY = "What's your gross yearly income, before tax?"
QUESTIONS = frozenset({ASK_LOAN, ASK_RATE, ASK_AMOUNT, ASK_INCOME, ASK_INCOME_ONLY})
DEFAULT_TERM = 30

_AMORTIZATION = re.compile(
    r"\b(?:amorti[sz]ation|amorti[sz]e|schedule|paid down|pay ?down|break ?down|"
    r"how much (?:goes|of each payment|of it goes) (?:to|towards?) (?:principal|interest))"
)
_PAYMENT = re.compile(
    r"\b(?:payments?|monthly|calculate|calculator|work out|figure out|run the numbers|"
    r"how much would|what would|cost me|per month|a month|mortgage on|borrow(?:ed|ing)?|"
    r"loan (?:of|for)|mortgage of|interest)\b"
)
_AFFORD = re.compile(
    r"\b(?:afford|affordability|qualify for|pre-?qualif\w*|how (?:much|big) (?:of a )?"
    r"(?:house|home|mortgage|loan)|how much (?:can|could) i (?:borrow|get))\b"
)
_DTI = re.compile(r"\b(?:debt[- ]?to[- ]?income|dti|debt ratio)\b")
_AGAIN = re.compile(
    r"^(?:and|ok(?:ay)?|so|hmm|um|uh|what about|how about|what if|and if|make it|try|"
    r"now|then|instead|same|could you|at|over|for|with)\b|\binstead\b|\bwhat about\b|"
    r"\bhow about\b|\bthen\s*[?.!]?$|\bwhat (?:would|will|does) (?:it|that|the payment) be\b|"
    r"\bwhat if\b|\bsuppose\b"
)
# Asking for a payment with nothing to work it out from: "what would the payment be on a home
# loan" is a question for the figures, whatever else it might sound like.
_LOAN = re.compile(r"\b(?:mortgage|home loan|house loan|loan)\b")
_MONTHLY = re.compile(r"^\s*(?:dollars\s+)?(?:a|per|each|every) month|^\s*monthly")
_INCOME = re.compile(r"\b(?:make|making|earn|earning|income|salary|bring in|take home|gross)\b")
_DEBTS = re.compile(r"\b(?:debts?|car|student loans?|credit cards?|owe|i pay|pay)\b")
_YEARLY = re.compile(r"^\s*(?:dollars\s+)?(?:a|per) year|^\s*(?:annually|yearly)")


_SPECIFIC = re.compile(r"\bamorti[sz]ation\b|\d\s*(?:%|percent)")


def specific(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    """What only the mortgage tools can mean ("an amortization schedule", "at 6 percent"), read
    before the productivity parser, which would take "schedule" for the calendar."""
    return parse(utterance, today, context) if _SPECIFIC.search(canonical(utterance)) else None


def parse(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    context = context or Context()
    words = canonical(utterance)
    if context.asked and context.asked[0][1] in QUESTIONS | paperwork.QUESTIONS:
        return _answered(utterance, today, context)
    return (
        _again(words, context)
        or _fresh(words, utterance)
        or paperwork.parse(words, utterance, today, context)
    )


def _answered(answer: str, today: date, context: Context) -> Intent | Answer | None:
    """The answer to our question, read with the request it was asked about."""
    question = context.asked[-1][1]
    if question in paperwork.QUESTIONS:
        return paperwork.answered(answer, today, context)
    said = ", ".join([context.asked[0][0], *[a for a, _ in context.asked[1:]], answer])
    return parse(said, today, context.without_questions())


def _again(words: str, context: Context) -> Intent | None:
    """A calculation just made, asked again with a figure changed."""
    if context.tool not in (*CALCULATORS, AFFORDABILITY) or not _AGAIN.search(words):
        return None
    figures = Figures.of(words)
    changed: Args = {}
    if figures.term:
        changed["term_years"] = figures.term
    if figures.rate is not None:
        changed["annual_interest_rate"] = figures.rate
    amount = figures.first_amount()
    if amount is not None and context.tool in CALCULATORS:
        changed["loan_amount"] = amount
    if not changed:
        return None
    tool = "get_mortgage_amortization_schedule" if _AMORTIZATION.search(words) else context.tool
    return Intent(tool if context.tool in CALCULATORS else context.tool, context.args | changed)


def _fresh(words: str, said: str) -> Intent | Answer | None:
    if _DTI.search(words):
        return Intent("calculate_mortgage_debt_to_income", application_ref(said))
    figures = Figures.of(words)
    if _AFFORD.search(words):
        return _affordability(words, figures)
    if paperwork.is_paperwork(words):
        return None
    if _AMORTIZATION.search(words) and (figures.amounts or figures.rate):
        return _calculation("get_mortgage_amortization_schedule", figures)
    has_figures = figures.rate is not None or figures.first_amount(10_000) is not None
    if _PAYMENT.search(words) and has_figures:
        return _calculation("calculate_mortgage_payment", figures)
    if figures.rate is not None and figures.term and figures.first_amount(10_000):
        return _calculation("calculate_mortgage_payment", figures)
    payments = re.search(r"\bmonthly payments?\b|\bpayments? (?:would|will) be\b", words)
    if (
        _PAYMENT.search(words)
        and (_LOAN.search(words) or payments)
        and re.search(r"\bmonthly|payments?\b", words)
    ):
        return Answer(ASK_LOAN, "calculate_mortgage_payment")
    return None


def _calculation(tool: str, figures: Figures) -> Intent | Answer:
    roles = money_roles(figures)
    loan = roles.get("loan_amount") or roles.get("property_value")
    if loan is not None and roles.get("down_payment") and roles.get("property_value"):
        loan = roles["property_value"] - roles["down_payment"]
    if loan is None and figures.rate is None:
        return Answer(ASK_LOAN, tool)
    if loan is None:
        return Answer(ASK_AMOUNT, tool)
    if figures.rate is None:
        return Answer(ASK_RATE, tool)
    args: Args = {"loan_amount": loan, "annual_interest_rate": figures.rate}
    return Intent(tool, args | {"term_years": figures.term or DEFAULT_TERM})


def _affordability(words: str, figures: Figures) -> Intent | Answer:
    args: Args = {}
    for amount in figures.amounts:
        near = amount.before[-25:]
        if DOWN.match(amount.after) or re.search(r"\bdown(?: payment)?(?: of| is)?\s*$", near):
            args["down_payment"] = amount.value
        elif _DEBTS.search(near) or (_DEBTS.search(amount.after[:25]) and not _INCOME.search(near)):
            args["monthly_debts"] = amount.value
        elif _MONTHLY.match(amount.after) and _INCOME.search(near):
            args["gross_monthly_income"] = amount.value
        elif _INCOME.search(near) or _YEARLY.match(amount.after):
            args["gross_annual_income"] = amount.value
    if figures.rate is not None:
        args["annual_interest_rate"] = figures.rate
    if figures.term:
        args["term_years"] = figures.term
    has_income = "gross_annual_income" in args or "gross_monthly_income" in args
    if not has_income:
        return Answer(ASK_INCOME if figures.rate is None else ASK_INCOME_ONLY, AFFORDABILITY)
    if figures.rate is None:
        return Answer(ASK_RATE, AFFORDABILITY)
    return Intent(AFFORDABILITY, args)
