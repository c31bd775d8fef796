"""Spoken numbers, times and money in voice transcripts become digits for the agent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.speech.normalise import normalise
from tests.speech_metrics import number_words

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("five five five zero one two", "555012"),
        ("my number is five five five, zero one two", "my number is 555, 012"),
        ("a four hundred thousand dollars loan.", "a $400,000 loan."),
        ("four hundred thousand dollars", "$400,000"),
        ("twenty one dollars", "$21"),
        ("call me at eight p m", "call me at 8 pm"),
        ("water the plants at six p.m. tomorrow", "water the plants at 6 pm tomorrow"),
        ("a table for six at seven thirty", "a table for six at 7:30"),
        ("thirty years", "30 years"),
        ("I want to start a mortgage application.", "I want to start a mortgage application."),
        ("that one, please", "that one, please"),
        ("bread and butter", "bread and butter"),
        ("Already at 8 pm and $400,000.", "Already at 8 pm and $400,000."),
    ],
)
def test_table(said: str, written: str) -> None:
    assert normalise(said) == written


@given(st.integers(min_value=20, max_value=999_999))
def test_spoken_amounts_become_dollars(n: int) -> None:
    assert normalise(number_words(n) + " dollars") == f"${n:,}"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?", max_size=60))
def test_never_raises_and_leaves_words_without_numbers(text: str) -> None:
    out = normalise(text)
    assert isinstance(out, str)
