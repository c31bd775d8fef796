"""Dictated text as it can be stored, and matching a spoken name to a stored row."""

import pytest

from shared.mcp_server import text
from shared.mcp_server.registry import ToolRefused

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


def test_an_id_is_told_apart_from_words() -> None:
    assert text.as_id(" 5F0C7B38-58F5-4C4B-8D2A-2F3F1C1C1C1C ") == (
        "5f0c7b38-58f5-4c4b-8d2a-2f3f1c1c1c1c"
    )
    assert text.as_id("buy milk") is None


def test_optional_text_may_be_empty_but_not_too_long() -> None:
    assert text.optional(" \u0000 ", "note", 10) == ""
    with pytest.raises(ToolRefused, match="the note can have at most 10 characters"):
        text.optional("x" * 11, "note", 10)
