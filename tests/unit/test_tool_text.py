"""Dictated text as it can be stored, and matching a spoken name to a stored row."""

import pytest

from functions.tools import text
from functions.tools.registry import ToolRefused

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("buy\u0000 milk", "buy milk"),
        ("buy\u0000milk", "buy milk"),
        ("  call\tmum\r\n today  ", "call mum today"),
        ("bell\u0007 \u007f\u0085 ring", "bell ring"),
        ("lone \ud800 surrogate", "lone surrogate"),
        ("caf\u00e9 \u2615", "caf\u00e9 \u2615"),
    ],
)
def test_text_is_cleaned_of_what_cannot_be_stored(raw: str, cleaned: str) -> None:
    assert text.clean(raw) == cleaned
    assert text.required(raw, "title", 500) == cleaned


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "needs some words"), ("\u0000\u0001 \t", "needs some words"), ("x" * 501, "at most 500")],
)
def test_text_that_cannot_be_stored_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(ToolRefused, match=reason):
        text.required(raw, "title", 500)
    assert text.required("x" * 500, "title", 500) == "x" * 500


def test_the_best_match_shares_at_least_half_the_words() -> None:
    rows = ["buy milk", "call the dentist", "file taxes"]
    assert text.best_match("the dentist", rows, str) == "call the dentist"
    assert text.best_match("Milk", rows, str) == "buy milk"
    assert text.best_match("walk the dog", rows, str) is None
    assert text.best_match("", rows, str) is None
