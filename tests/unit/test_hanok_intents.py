"""The rules model's understanding of Hanok Table's phrasings: the tool calls, the questions
when a booking lacks something, follow-ups of the previous turn, spoken dates, times and party
sizes, and the time a parse takes."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from functions.agent_turn.agent import intents, spoken
from functions.agent_turn.agent.dialogue import Answer, Context, Intent, context_of
from functions.agent_turn.agent.hanok_intents import (
    ASK_CHANGE,
    ASK_NAME,
    ASK_WHICH_TIME,
    KEPT,
    NOT_BOOKED,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday
TOMORROW, FRIDAY, SATURDAY = "2026-12-02", "2026-12-04", "2026-12-05"
RESERVATION = {
    "code": "K7QM2XPA",
    "guest_name": "Kim",
    "party_size": 4,
    "date": FRIDAY,
    "time": "19:00",
    "status": "booked",
}


def test_fixed_date_is_a_tuesday() -> None:
    assert TODAY.weekday() == 1


PHRASINGS: list[tuple[str, str, dict[str, Any]]] = [
    # the menu
    ("what's on the menu", "get_menu", {}),
    ("What\u2019s on the menu?", "get_menu", {}),  # a typographic apostrophe
    ("can I see the menu", "get_menu", {}),
    ("what kind of food do you serve", "get_menu", {}),
    ("do you have vegetarian dishes", "get_menu", {"dietary": "vegetarian"}),
    ("anything vegan?", "get_menu", {"dietary": "vegan"}),
    ("what do you have that's gluten free", "get_menu", {"dietary": "gluten_free"}),
    ("which dishes are dairy-free", "get_menu", {"dietary": "dairy_free"}),
    ("what's spicy on the menu", "get_menu", {"dietary": "spicy"}),
    ("I have a nut allergy, which dishes have nuts", "get_menu", {"dietary": "contains_nuts"}),
    ("does anything have shellfish", "get_menu", {"dietary": "contains_shellfish"}),
    ("what desserts do you have", "get_menu", {"category": "desserts"}),
    ("what are your starters", "get_menu", {"category": "starters"}),
    ("tell me about the mains", "get_menu", {"category": "mains"}),
    ("what drinks do you have", "get_menu", {"category": "drinks"}),
    ("any vegetarian mains", "get_menu", {"category": "mains", "dietary": "vegetarian"}),
    # availability
    (
        "is there a table for four tomorrow at seven",
        "check_availability",
        {"date": TOMORROW, "party_size": 4, "time": "19:00"},
    ),
    (
        "do you have anything Friday evening for two",
        "check_availability",
        {"date": FRIDAY, "party_size": 2},
    ),
    (
        "are there any tables for 6 people on Saturday",
        "check_availability",
        {"date": SATURDAY, "party_size": 6},
    ),
    (
        "is there room for five on Sunday at quarter to eight",
        "check_availability",
        {"date": "2026-12-06", "party_size": 5, "time": "19:45"},
    ),
    (
        "do you have availability tonight for the two of us",
        "check_availability",
        {"date": "2026-12-01", "party_size": 2},
    ),
    # booking
    (
        "book a table for four tomorrow at 7 pm under Kim",
        "book_table",
        {"date": TOMORROW, "time": "19:00", "party_size": 4, "name": "Kim"},
    ),
    (
        "reserve a table for two on Friday at six thirty",
        "book_table",
        {"date": FRIDAY, "time": "18:30", "party_size": 2},
    ),
    (
        "I'd like a table for 6 on December 12th at 8pm, name is Park, it's a birthday",
        "book_table",
        {
            "date": "2026-12-12",
            "time": "20:00",
            "party_size": 6,
            "name": "Park",
            "requests": "birthday",
        },
    ),
    (
        "can I get a table for two tonight at half past eight",
        "book_table",
        {"date": "2026-12-01", "time": "20:30", "party_size": 2},
    ),
    (
        "book a table for a party of eight next Friday at noon",
        "book_table",
        {"date": FRIDAY, "time": "12:00", "party_size": 8},
    ),
    (
        "book lunch for three on Saturday at one",
        "book_table",
        {"date": SATURDAY, "time": "13:00", "party_size": 3},
    ),
    (
        "book a table for 2 on the 12th at 7 30",
        "book_table",
        {"date": "2026-12-12", "time": "19:30", "party_size": 2},
    ),
    (
        "reserve for 3 people on the twelfth of December at 7 p.m.",
        "book_table",
        {"date": "2026-12-12", "time": "19:00", "party_size": 3},
    ),
    (
        "we'd like a table for two this Saturday at 8 in the name of Jane Lee, we need a high "
        "chair",
        "book_table",
        {
            "date": SATURDAY,
            "time": "20:00",
            "party_size": 2,
            "name": "Jane Lee",
            "requests": "high chair",
        },
    ),
    (
        "book a table for ten on the first at 11 am",
        "book_table",
        {"date": "2026-12-01", "time": "11:00", "party_size": 10},
    ),
    (
        "make a reservation for 4 on January 3rd at 6, it's our anniversary",
        "book_table",
        {
            "date": "2027-01-03",
            "time": "18:00",
            "party_size": 4,
            "requests": "anniversary",
        },
    ),
    (
        "put me on the waitlist for Friday at 7 for 4",
        "book_table",
        {"date": FRIDAY, "time": "19:00", "party_size": 4, "join_waitlist": True},
    ),
    # finding
    ("what reservations do I have", "find_my_reservations", {}),
    ("look up my reservation", "find_my_reservations", {}),
    ("when is my booking", "find_my_reservations", {}),
    ("do I have a reservation tomorrow", "find_my_reservations", {}),
    ("my reservations", "find_my_reservations", {}),
    # changing
    ("change my reservation to six people", "change_reservation", {"party_size": 6}),
    ("move my reservation to 8 pm", "change_reservation", {"time": "20:00"}),
    ("move it to 8", "change_reservation", {"time": "20:00"}),
    ("make it Saturday instead", "change_reservation", {"date": SATURDAY}),
    (
        "can you change my booking to Friday at 6 for 5 people",
        "change_reservation",
        {"date": FRIDAY, "time": "18:00", "party_size": 5},
    ),
    (
        "move my booking with code K 7 Q M 2 X P A to 9 pm",
        "change_reservation",
        {"code": "K7QM2XPA", "time": "21:00"},
    ),
    # cancelling
    ("cancel my reservation", "cancel_reservation", {}),
    ("please cancel our table for Friday", "cancel_reservation", {}),
    ("cancel reservation K7QM2XPA", "cancel_reservation", {"code": "K7QM2XPA"}),
]


@pytest.mark.parametrize(("utterance", "tool", "args"), PHRASINGS)
def test_phrasings_become_the_tool_call(utterance: str, tool: str, args: dict[str, Any]) -> None:
    assert intents.parse(utterance, TODAY) == Intent(tool, args)


@pytest.mark.parametrize(
    ("utterance", "question"),
    [
        ("book a table", "For how many people, and for what day and time?"),
        ("I'd like to make a reservation", "For how many people, and for what day and time?"),
        ("book a table for four", "For what day and time?"),
        ("book a table for four on Friday", "At what time?"),
        ("reserve a table tomorrow at 7", "For how many people?"),
        ("book a table at 8 for 2", "For what day?"),
        ("book a table on Friday", "For how many people, and at what time?"),
        ("is there a table tomorrow", "For how many people?"),
        ("any tables for 4 at 7", "For what day?"),
        ("I need to change my reservation", ASK_CHANGE),
    ],
)
def test_what_a_request_lacks_is_asked_for(utterance: str, question: str) -> None:
    found = intents.parse(utterance, TODAY)
    assert isinstance(found, Answer) and found.text == question


@pytest.mark.parametrize(
    ("utterance", "tool"),
    [
        ("add a todo to book a table for four tomorrow at 7", "add_todo"),
        ("add a todo to cancel my reservation", "add_todo"),
        ("what are my todos", "list_todos"),
    ],
)
def test_todos_come_first(utterance: str, tool: str) -> None:
    found = intents.parse(utterance, TODAY)
    assert isinstance(found, Intent) and found.tool == tool


@pytest.mark.parametrize(
    "utterance",
    ["hello", "what is the weather", "buy milk tomorrow", "cancel it anyway", "yes", "7 30"],
)
def test_unrelated_or_out_of_context_is_none(utterance: str) -> None:
    assert intents.parse(utterance, TODAY) is None


# ---- follow-ups ------------------------------------------------------------------------------

OFFER = Context(
    tool="cancel_reservation",
    result={"ok": True, "outcome": "retention_offer", "reservation": RESERVATION, "offer": "x"},
)
ACCEPTED = Intent("cancel_reservation", {"code": "K7QM2XPA", "accept_retention_offer": True})


@pytest.mark.parametrize(
    "utterance", ["cancel it anyway", "yes, cancel", "Yes", "just cancel it", "go ahead"]
)
def test_after_the_retention_offer_a_yes_cancels(utterance: str) -> None:
    assert intents.parse(utterance, TODAY, OFFER) == ACCEPTED


@pytest.mark.parametrize("utterance", ["no, keep it", "no thanks", "don't cancel"])
def test_after_the_retention_offer_a_no_keeps_it(utterance: str) -> None:
    assert intents.parse(utterance, TODAY, OFFER) == Answer(KEPT, "cancel_reservation")


def test_after_the_retention_offer_moving_it_changes_it() -> None:
    found = intents.parse("move it to Saturday then", TODAY, OFFER)
    assert found == Intent("change_reservation", {"code": "K7QM2XPA", "date": SATURDAY})


def _availability(time: str | None, available: bool) -> Context:
    requested = {"time": time, "available": available} if time else None
    result = {"ok": True, "open": True, "requested": requested, "nearest": ["18:30", "19:30"]}
    args = {"date": FRIDAY, "party_size": 2} | ({"time": time} if time else {})
    return Context(tool="check_availability", args=args, result=result)


@pytest.mark.parametrize(
    ("context", "utterance", "expected"),
    [
        (
            _availability("18:00", True),
            "yes please, under Lee",
            Intent("book_table", {"date": FRIDAY, "time": "18:00", "party_size": 2, "name": "Lee"}),
        ),
        (
            _availability(None, True),
            "7 30 pm",
            Intent("book_table", {"date": FRIDAY, "time": "19:30", "party_size": 2}),
        ),
        (
            _availability("19:00", False),
            "6 30 then",
            Intent("book_table", {"date": FRIDAY, "time": "18:30", "party_size": 2}),
        ),
        (_availability("19:00", False), "yes", Answer(ASK_WHICH_TIME, "book_table")),
        (
            _availability("19:00", False),
            "how about Saturday",
            Intent("check_availability", {"date": SATURDAY, "party_size": 2, "time": "19:00"}),
        ),
        (_availability("18:00", True), "no thanks", Answer(NOT_BOOKED, "book_table")),
    ],
)
def test_after_an_availability_answer(context: Context, utterance: str, expected: Any) -> None:
    assert intents.parse(utterance, TODAY, context) == expected


FULL = Context(
    tool="book_table",
    args={"date": FRIDAY, "time": "19:00", "party_size": 4},
    result={"ok": True, "outcome": "full", "alternatives": ["18:30", "19:30"]},
)


@pytest.mark.parametrize(
    ("utterance", "expected"),
    [
        (
            "put me on the waitlist",
            Intent(
                "book_table",
                {"date": FRIDAY, "time": "19:00", "party_size": 4, "join_waitlist": True},
            ),
        ),
        ("7 30 works", Intent("book_table", {"date": FRIDAY, "time": "19:30", "party_size": 4})),
        (
            "what about Saturday",
            Intent("book_table", {"date": SATURDAY, "time": "19:00", "party_size": 4}),
        ),
        ("yes", Answer(ASK_WHICH_TIME, "book_table")),
        ("no", Answer(NOT_BOOKED, "book_table")),
    ],
)
def test_after_a_full_slot(utterance: str, expected: Any) -> None:
    assert intents.parse(utterance, TODAY, FULL) == expected


@pytest.mark.parametrize(
    ("asked_about", "question", "answer", "expected"),
    [
        (
            "book a table",
            "For how many people, and for what day and time?",
            "four people, tomorrow at seven",
            {"date": TOMORROW, "time": "19:00", "party_size": 4},
        ),
        (
            "book a table for tomorrow at 7",
            "For how many people?",
            "four",
            {"date": TOMORROW, "time": "19:00", "party_size": 4},
        ),
        (
            "book a table for two tomorrow",
            "At what time?",
            "8",
            {"date": TOMORROW, "time": "20:00", "party_size": 2},
        ),
        (
            "book a table, 4 people",
            "For what day and time?",
            "Friday at six thirty, under Kim",
            {"date": FRIDAY, "time": "18:30", "party_size": 4, "name": "Kim"},
        ),
    ],
)
def test_the_answer_to_our_question_completes_the_request(
    asked_about: str, question: str, answer: str, expected: dict[str, Any]
) -> None:
    context = Context(asked=((asked_about, question),))
    assert intents.parse(answer, TODAY, context) == Intent("book_table", expected)


def test_a_new_request_after_our_question_is_read_on_its_own() -> None:
    context = Context(asked=(("book a table", "For what day and time?"),))
    assert intents.parse("what's on the menu", TODAY, context) == Intent("get_menu", {})


def test_a_change_right_after_a_booking_names_its_code() -> None:
    booked = Context(
        tool="book_table", result={"ok": True, "outcome": "booked", "reservation": RESERVATION}
    )
    assert intents.parse("make it Saturday instead", TODAY, booked) == Intent(
        "change_reservation", {"code": "K7QM2XPA", "date": SATURDAY}
    )
    assert intents.parse("cancel it", TODAY, booked) == Intent(
        "cancel_reservation", {"code": "K7QM2XPA"}
    )


@pytest.mark.parametrize(
    ("utterance", "code"),
    [
        ("K 7 Q M 2 X P A", "K7QM2XPA"),
        ("the one with code p2x4k8mq", "P2X4K8MQ"),
        ("K7QM2XPA", "K7QM2XPA"),
    ],
)
def test_which_one_is_answered_with_its_code(utterance: str, code: str) -> None:
    refused = Context(
        tool="cancel_reservation",
        args={},
        result={"ok": False, "reason": "refused", "error": "you have 2 reservations; which one?"},
    )
    assert intents.parse(utterance, TODAY, refused) == Intent("cancel_reservation", {"code": code})


# ---- slot filling over turns: guessed party sizes, the name, corrections --------------------

ASK_ALL = "For how many people, and for what day and time?"
THURSDAY = "2026-12-03"


def _read_back(party: str, day: str) -> str:
    return f"That's a table for {party} on {day} at 7 PM. {ASK_NAME}"


@pytest.mark.parametrize(
    ("answer", "day", "spoken_day"),
    [
        ("four, the day after tomorrow at seven", THURSDAY, "Thursday, December 3"),
        ("four, tomorrow at seven", TOMORROW, "Wednesday, December 2"),
        ("4 tomorrow at 7", TOMORROW, "Wednesday, December 2"),
    ],
)
def test_a_number_first_is_the_party_size_read_back_with_the_name_asked(
    answer: str, day: str, spoken_day: str
) -> None:
    asked = (("book a table", ASK_ALL),)
    read_back = _read_back("four", spoken_day)
    assert intents.parse(answer, TODAY, Context(asked=asked)) == Answer(read_back, "book_table")
    named = Context(asked=(*asked, (answer, read_back)))
    assert intents.parse("Moon", TODAY, named) == Intent(
        "book_table", {"date": day, "time": "19:00", "party_size": 4, "name": "Moon"}
    )


@pytest.mark.parametrize("answer", ["yes", "under my name", "that's right", "my own name please"])
def test_the_read_back_confirmed_books_under_the_callers_own_name(answer: str) -> None:
    said = "four, tomorrow at seven"
    asked = (("book a table", ASK_ALL), (said, _read_back("four", "Wednesday, December 2")))
    assert intents.parse(answer, TODAY, Context(asked=asked)) == Intent(
        "book_table", {"date": TOMORROW, "time": "19:00", "party_size": 4}
    )


def test_a_correction_of_the_read_back_is_read_back_again() -> None:
    said = "four, tomorrow at seven"
    asked = (("book a table", ASK_ALL), (said, _read_back("four", "Wednesday, December 2")))
    corrected = intents.parse("no, Thursday", TODAY, Context(asked=asked))
    assert corrected == Answer(_read_back("four", "Thursday, December 3"), "book_table")
    again = Context(asked=(*asked, ("no, Thursday", _read_back("four", "Thursday, December 3"))))
    assert intents.parse("under Park", TODAY, again) == Intent(
        "book_table", {"date": THURSDAY, "time": "19:00", "party_size": 4, "name": "Park"}
    )


def test_a_request_is_not_taken_for_the_name() -> None:
    said = "four, tomorrow at seven"
    asked = (("book a table", ASK_ALL), (said, _read_back("four", "Wednesday, December 2")))
    assert intents.parse("what's on the menu", TODAY, Context(asked=asked)) == Intent(
        "get_menu", {}
    )


def test_a_correction_while_filling_in_overrides_what_was_said() -> None:
    asked = (("book a table for Friday", "For how many people, and at what time?"),)
    assert intents.parse("no, Thursday", TODAY, Context(asked=asked)) == Answer(
        "For how many people, and at what time?", "book_table"
    )
    corrected = (*asked, ("no, Thursday", "For how many people, and at what time?"))
    assert intents.parse("for 2 at 8", TODAY, Context(asked=corrected)) == Intent(
        "book_table", {"date": THURSDAY, "time": "20:00", "party_size": 2}
    )


def test_a_later_time_is_read_with_the_meal_said_before() -> None:
    asked = (("book a breakfast table for 2 tomorrow", "At what time?"),)
    assert intents.parse("at 9", TODAY, Context(asked=asked)) == Intent(
        "book_table", {"date": TOMORROW, "time": "09:00", "party_size": 2}
    )


@pytest.mark.parametrize(
    ("said", "args"),
    [
        ("no, Thursday", {"date": THURSDAY}),
        ("no, make it five people", {"party_size": 5}),
        ("actually at 8", {"time": "20:00"}),
    ],
)
def test_a_correction_right_after_booking_changes_the_booking(
    said: str, args: dict[str, Any]
) -> None:
    booked = Context(
        tool="book_table",
        args={"date": FRIDAY, "time": "19:00", "party_size": 4},
        result={"ok": True, "outcome": "booked", "reservation": RESERVATION},
    )
    assert intents.parse(said, TODAY, booked) == Intent(
        "change_reservation", {"code": "K7QM2XPA", **args}
    )


# ---- what the previous turns left ------------------------------------------------------------


def test_context_of_a_conversation_after_a_tool_call() -> None:
    call = {"name": "cancel_reservation", "args": {}, "id": "c1"}
    messages = [
        HumanMessage(content="cancel my reservation"),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content='{"ok": true, "outcome": "retention_offer"}', tool_call_id="c1"),
        AIMessage(content="Before you cancel... Shall I still cancel?"),
        HumanMessage(content="yes"),
    ]
    context = context_of(messages)
    assert context.tool == "cancel_reservation" and context.asked == ()
    assert context.result == {"ok": True, "outcome": "retention_offer"}


def test_context_of_a_conversation_after_our_questions() -> None:
    messages = [
        HumanMessage(content="book a table"),
        AIMessage(content="For how many people, and for what day and time?"),
        HumanMessage(content="four people"),
        AIMessage(content="For what day and time?"),
        HumanMessage(content="friday at 7"),
    ]
    context = context_of(messages)
    assert context.asked == (
        ("book a table", "For how many people, and for what day and time?"),
        ("four people", "For what day and time?"),
    )
    assert context.tool is None


def test_context_of_a_fresh_conversation_is_empty() -> None:
    assert context_of([HumanMessage(content="hi")]) == Context()
    assert context_of([HumanMessage(content="a"), AIMessage(content="b."), HumanMessage("c")]) == (
        Context()
    )


# ---- spoken dates, times and party sizes -----------------------------------------------------


@pytest.mark.parametrize(
    ("said", "hhmm"),
    [
        ("at seven", "19:00"),
        ("at 7", "19:00"),
        ("at ten", "22:00"),
        ("at eleven", "11:00"),
        ("at 12", "12:00"),
        ("7 am", "07:00"),
        ("at seven in the morning", "07:00"),
        ("lunch at one", "13:00"),
        ("lunch at 11 30", "11:30"),
        ("noon", "12:00"),
        ("six thirty", None),  # bare, outside a follow-up: not a time
        ("at six thirty", "18:30"),
        ("6:30pm", "18:30"),
        ("8 p.m.", "20:00"),
        ("12 am", "00:00"),
        ("half past seven", "19:30"),
        ("quarter past 8", "20:15"),
        ("quarter to eight", "19:45"),
        ("at eight o'clock", "20:00"),
        ("around 9", "21:00"),
        ("for four", None),
        ("at 4 people", None),
    ],
)
def test_spoken_times(said: str, hhmm: str | None) -> None:
    assert spoken.spoken_time(spoken.normalize(said)) == hhmm


@pytest.mark.parametrize(
    ("said", "iso"),
    [
        ("today", "2026-12-01"),
        ("tonight", "2026-12-01"),
        ("tomorrow", TOMORROW),
        ("the day after tomorrow", "2026-12-03"),
        ("friday", FRIDAY),
        ("next friday", FRIDAY),
        ("this saturday", SATURDAY),
        ("tuesday", "2026-12-08"),  # today's weekday means next week
        ("december 12th", "2026-12-12"),
        ("Dec. 12", "2026-12-12"),
        ("the twelfth of december", "2026-12-12"),
        ("12 december", "2026-12-12"),
        ("january 3rd", "2027-01-03"),
        ("november 30th", "2027-11-30"),  # passed this year: next year's
        ("the 12th", "2026-12-12"),
        ("on the first", "2026-12-01"),
        ("february 30th", None),
        ("sometime", None),
    ],
)
def test_spoken_dates(said: str, iso: str | None) -> None:
    found = spoken.spoken_date(spoken.normalize(said), TODAY)
    assert (found.isoformat() if found else None) == iso


@pytest.mark.parametrize(
    ("said", "hhmm"),
    [
        ("6 30 then", "18:30"),
        ("yes, 7", "19:00"),
        ("ok 8 15", "20:15"),
        ("what about for 4", None),
        ("how about december 12", None),
        ("the 12th", None),
    ],
)
def test_a_number_alone_is_a_time_only_where_times_were_offered(
    said: str, hhmm: str | None
) -> None:
    words = spoken.normalize(said)
    assert spoken.spoken_time(words, bare=True) == hhmm
    assert spoken.spoken_time(words) is None


def test_the_nth_after_this_months_has_passed_is_next_months() -> None:
    assert spoken.spoken_date("the 1st", date(2026, 12, 15)) == date(2027, 1, 1)
    assert spoken.spoken_date("the 31st", date(2026, 11, 15)) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("said", "size"),
    [
        ("a table for four", 4),
        ("for 2 on friday", 2),
        ("six people", 6),
        ("party of eight", 8),
        ("the two of us", 2),
        ("just me", 1),
        ("for one", 1),
        ("for 7 pm", None),
        ("for tomorrow", None),
    ],
)
def test_spoken_party_sizes(said: str, size: int | None) -> None:
    assert spoken.party_size(spoken.normalize(said)) == size


def test_a_parse_takes_well_under_a_millisecond_or_two() -> None:
    utterances = [u for u, _, _ in PHRASINGS]
    for u in utterances:  # warm: the first call compiles nothing more, but be fair
        intents.parse(u, TODAY)
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for u in utterances:
            intents.parse(u, TODAY)
    per_utterance_ms = (time.perf_counter() - started) * 1000 / (rounds * len(utterances))
    assert per_utterance_ms < 2.0, per_utterance_ms
