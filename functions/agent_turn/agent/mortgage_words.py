"""The mortgage tools' vocabulary as a caller says it: kinds of documents, debts and employment,
each a (value, pattern) pair, and the small readers of a debt's payment, name and lender."""

from __future__ import annotations

import re

from functions.agent_turn.agent.dialogue import Args

Vocabulary = tuple[tuple[str, str], ...]

DOCUMENT_TYPES: Vocabulary = (
    ("w2", r"w-? ?2s?|wage statements?"),
    ("pay_stub", r"pay ?stubs?|pay ?slips?|pay ?checks?|pay statements?"),
    ("tax_return", r"tax returns?|taxes|1040s?"),
    ("bank_statement", r"bank statements?|statements? from (?:my |the )?bank|checking statements?"),
    ("profit_and_loss_statement", r"profit and loss|p ?(?:&|and|n) ?l(?: statement)?"),
    ("benefits_statement", r"(?:benefits?|social security|pension) (?:statement|letter)s?"),
    ("purchase_agreement", r"purchase (?:agreement|contract)|sales contract"),
    ("mortgage_statement", r"mortgage statements?"),
    ("homeowners_insurance", r"home ?owners'?s? insurance|insurance (?:policy|declarations?)"),
    ("gift_letter", r"gift letters?"),
    ("photo_id", r"photo id|driver'?s licen[cs]e|passport|identification|my id|an id"),
)
DEBT_TYPES: Vocabulary = (
    ("credit_card", r"credit cards?|store card|visa|mastercard|amex"),
    ("auto_loan", r"car (?:loan|payment|note)|auto loan|truck (?:loan|payment)|vehicle loan|lease"),
    ("student_loan", r"student (?:loans?|debt)"),
    ("personal_loan", r"personal loan"),
    ("child_support", r"child support"),
    ("alimony", r"alimony|spousal support"),
    ("other_mortgage", r"(?:other|second|another|rental) mortgage|rental property"),
)
EMPLOYMENT: Vocabulary = (
    ("self_employed", r"self[- ]?employed|freelanc\w*|contractor|my own business|1099"),
    ("retired", r"retired|retiree|on a pension"),
    ("salaried", r"salaried|on salary|full[- ]time|employee|w-? ?2 employee"),
)
_MONTHLY = re.compile(
    r"(?<![\d.])(?P<n>\d+(?:\.\d+)?)\s*(?:dollars?\s*)?(?:a|per|each|every) month|"
    r"\b(?:payment|pay|is|of|costs?|about|around)\s+(?P<m>\d+(?:\.\d+)?)\b(?!\s*(?:left|balance))"
)
_DEBT_PHRASE = re.compile(
    r"\b(?:the|my|that) (?P<d>(?:[a-z]+ ){0,2}?(?:loan|card|debt|support|alimony|payment|lease))\b"
)
_LENDER = re.compile(
    r"\b(?:with|from|to|through|at)\s+(?P<l>[A-Z][\w&'.]*(?:\s+[A-Z][\w&'.]*){0,2})"
)


def first_of(words: str, vocabulary: Vocabulary) -> str | None:
    """The value of the first pattern of ``vocabulary`` the words say."""
    return next((value for value, p in vocabulary if re.search(rf"\b(?:{p})\b", words)), None)


def monthly_payment(words: str) -> int | float | None:
    match = _MONTHLY.search(words)
    if not match:
        return None
    value = float(match.group("n") or match.group("m"))
    return int(value) if value == int(value) else value


def debt_named(words: str) -> str:
    """The debt as the caller named it ("the car loan"), for remove_mortgage_debt."""
    match = _DEBT_PHRASE.search(words)
    return f"the {match.group('d')}" if match else words.strip(" .?!")


def lender_of(said: str) -> Args:
    match = _LENDER.search(said)
    return {"lender": match.group("l").strip(" .,")} if match else {}
