"""The offline parser's general readings, one mechanism each: synonyms of a request that avoid
its usual keywords, the looser slot forms (a party "of 10", "6 total", a quarter of a
million), "next Wednesday" said on a Tuesday, a bare hour read near the old one, and a request
in any clause of a turn. Sentences here are made up for the mechanism, not taken from the
phrasing sets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from functions.agent_turn.agent import intents, small_talk
from functions.agent_turn.agent.dialogue import Answer, Context, Intent
from functions.agent_turn.agent.mortgage_amounts import Figures, canonical
from functions.agent_turn.agent.spoken import (
    next_weekday,
    normalize,
    party_size,
    spoken_date,
    spoken_time,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(
    ("said", "iso"),
    [
        ("next wednesday", "2026-12-09"),  # tomorrow would have been "tomorrow"
        ("wednesday", "2026-12-02"),
        ("next friday", "2026-12-04"),
        ("next tuesday", "2026-12-08"),
    ],
)
def test_next_weekday(said: str, iso: str) -> None:
    day = spoken_date(normalize(said), TODAY)
    assert day is not None and day.isoformat() == iso


def test_next_weekday_without_next_is_the_coming_one() -> None:
    assert next_weekday("wednesday", TODAY).isoformat() == "2026-12-02"


@pytest.mark.parametrize(
    ("said", "size"),
    [
        ("a group of twelve on sunday", 12),
        ("a table of four", 4),
        ("so seven total", 7),
        ("a total of nine at 8", 9),
    ],
)
def test_party_size_forms(said: str, size: int) -> None:
    assert party_size(normalize(said)) == size


@pytest.mark.parametrize(
    ("said", "amount"),
    [("a quarter of a million", 250000), ("three quarters of a million", 750000)],
)
def test_parts_of_a_million(said: str, amount: int) -> None:
    assert Figures.of(canonical(f"borrow {said} at 5 percent")).first_amount() == amount


def test_three_quarter_percent() -> None:
    assert Figures.of(canonical("at five and three quarter percent")).rate == 5.75


def _parse(said: str, context: Context | None = None) -> Intent | Answer | None:
    return intents.parse(said, TODAY, context)


@pytest.mark.parametrize(
    ("said", "tool", "args"),
    [
        ("could we have a booking for two on Sunday at 6", "book_table", {"party_size": 2}),
        ("what day is our dinner booked for", "find_my_reservations", {}),
        ("is the dentist visit something my plan pays for", "check_service_coverage", {}),
        ("does physio need to be okayed ahead of time", "check_prior_auth_required", {}),
        ("do I need clearance from the plan before getting a CT", "check_prior_auth_required", {}),
        ("what else do you need from me for the home loan", "get_missing_mortgage_documents", {}),
        (
            "which papers have I still not sent for the mortgage",
            "get_missing_mortgage_documents",
            {},
        ),
        ("what have you received from me for the loan", "list_mortgage_documents", {}),
        ("please hand my loan application in", "submit_mortgage_application", {}),
        (
            "I'm considering refinancing, it's worth 400k and I owe 200k",
            "create_mortgage_application",
            {"loan_purpose": "refinance"},
        ),
        ("note down that I have to fix the fence", "add_todo", {"title": "fix the fence"}),
        (
            "I have to remember to water the lawn, it's really important",
            "add_todo",
            {"title": "water the lawn", "priority": "high"},
        ),
        (
            "I already sent the invoice, you can tick that off",
            "complete_todo",
            {"todo": "the invoice"},
        ),
        ("am I busy on Thursday", "list_events", {"start": "2026-12-03T00:00"}),
    ],
)
def test_paraphrases(said: str, tool: str, args: dict[str, Any]) -> None:
    found = _parse(said)
    assert isinstance(found, Intent) and found.tool == tool, found
    assert args.items() <= found.args.items(), found.args


def test_a_vague_todo_is_asked_about() -> None:
    found = _parse("I want to add something to my task list")
    assert isinstance(found, Answer) and found.tool == "add_todo"


def test_a_request_in_a_later_clause_is_heard() -> None:
    context = Context(
        tool="add_todo",
        args={"title": "fix the fence"},
        result={"ok": True, "todo": {"title": "fix the fence"}},
    )
    found = _parse("no rush on that, make it low priority", context)
    assert found == Intent("update_todo", {"todo": "fix the fence", "priority": "low"})


def test_a_bare_hour_is_read_near_the_old_time() -> None:
    reminder = {"text": "feed the cat", "remind_at": "2026-12-01T18:00:00-06:00"}
    context = Context(tool="create_reminder", args={}, result={"ok": True, "reminder": reminder})
    found = _parse("actually make that seven", context)
    assert found == Intent(
        "update_reminder", {"reminder": "feed the cat", "remind_at": "2026-12-01T19:00"}
    )


def test_make_it_after_another_domain_is_not_a_reservation() -> None:
    context = Context(tool="get_deductible_status", args={}, result={"ok": True})
    assert _parse("make it Friday instead", context) is None


@pytest.mark.parametrize(
    "said",
    ["what are you able to do", "what sort of stuff can you help with"],
)
def test_able_to_do_is_not_the_todo_list(said: str) -> None:
    assert _parse(said) is None
    chat = small_talk.chat(said, TODAY)
    assert chat is not None and "todos" in chat.text


@pytest.mark.parametrize(
    "said", ["pull up the reminders for my sister", "select email from members where 1=1"]
)
def test_refusals_asked_the_other_way_round(said: str) -> None:
    assert small_talk.refusal(said, TODAY) is not None


# ---- clock times as speech-to-text writes them -----------------------------------------------


@pytest.mark.parametrize(
    ("said", "hhmm", "office"),
    [
        ("book a table for 6 at 730 this saturday", "19:30", "07:30"),
        ("at 1130", "11:30", "11:30"),
        ("at 7 30", "19:30", "07:30"),
        ("at 930 am", "09:30", "09:30"),
        ("around 845", "20:45", "08:45"),
        ("dinner around 845", "20:45", "20:45"),
        ("by 1245", "12:45", "12:45"),
        ("at 1130pm", "23:30", "23:30"),
        ("at 730 in the morning", "07:30", "07:30"),
    ],
)
def test_a_clock_time_without_its_colon(said: str, hhmm: str, office: str) -> None:
    words = normalize(said)
    assert spoken_time(words) == hhmm
    assert spoken_time(words, office=True) == office


@pytest.mark.parametrize(
    "said",
    [
        "in 2027",
        "by 2030",  # a year, not 20:30
        "at $730",
        "at 730 dollars",
        "call me at 555-0100",
        "at 415 555 0100",
        "at 1260",  # no such minute
        "at 730 people",
    ],
)
def test_years_amounts_and_phone_numbers_are_not_times(said: str) -> None:
    assert spoken_time(normalize(said)) is None


def test_every_domain_reads_the_compact_time() -> None:
    booked = _parse("Book a table for 6 at 730 this Saturday under the name Kim.")
    assert booked == Intent(
        "book_table", {"date": "2026-12-05", "time": "19:30", "party_size": 6, "name": "Kim"}
    )
    clinic = _parse("book a clinic appointment for a sore throat on Friday at 930 am")
    assert isinstance(clinic, Intent) and clinic.args["start"] == "2026-12-04T09:30"
