"""What the rules model says to Hanok Table's results: each outcome from sample results, and
whole conversations through the real turn graph with in-memory stand-ins of Hanok's tools."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

from functions.agent_turn.agent import hanok_replies as replies
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.rules_model import NOT_REACHABLE, RulesChatModel
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.turn_context import TurnContext

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday
RESERVATION: dict[str, Any] = {
    "code": "K7QM2XPA",
    "guest_name": "Kim",
    "party_size": 4,
    "date": "2026-12-04",
    "time": "19:00",
    "starts_at": "2026-12-04T19:00:00-08:00",
    "status": "booked",
    "requests": None,
    "tables": ["T5"],
}
OFFER = (
    "Before you cancel: we can move your party to another evening and keep your pre-order, "
    "with a complimentary round of makgeolli for the table."
)
MENU: dict[str, Any] = {
    "ok": True,
    "restaurant": "Hanok Table",
    "currency": "USD",
    "categories": [
        {
            "id": "banchan_starters",
            "name": "Starters",
            "dishes": [
                {"id": "pajeon", "name": "Seafood scallion pancake", "price": 18.0},
                {"id": "japchae", "name": "Japchae", "price": 16.0},
            ],
        },
        {"id": "mains", "name": "Mains", "dishes": [{"name": "Grilled short ribs", "price": 42}]},
        {"id": "desserts", "name": "Desserts", "dishes": [{"name": "Hotteok", "price": "9.50"}]},
    ],
}


@pytest.mark.parametrize(
    ("hhmm", "said"),
    [
        ("19:00", "7 PM"),
        ("18:30", "6:30 PM"),
        ("12:00", "noon"),
        ("12:30", "12:30 PM"),
        ("11:30", "11:30 AM"),
        ("00:00", "midnight"),
        ("09:05", "9:05 AM"),
    ],
)
def test_say_time(hhmm: str, said: str) -> None:
    assert replies.say_time(hhmm) == said


def test_say_code_date_count_and_price() -> None:
    assert replies.say_code("K7QM2XPA") == "K 7 Q M 2 X P A"
    assert replies.say_date("2026-12-04") == "Friday, December 4"
    assert [replies.say_count(n) for n in (1, 4, 12, 14)] == ["one", "four", "twelve", "14"]
    assert replies.say_price(18.0) == "$18"
    assert replies.say_price("9.50") == "$9.50"
    assert replies.say_price(12, "EUR") == "12 EUR"


# ---- one reply per outcome -------------------------------------------------------------------


def test_booked() -> None:
    result = {"ok": True, "outcome": "booked", "reservation": RESERVATION}
    assert replies.reply_booking(result, {}) == (
        "You're booked: a table for four on Friday, December 4 at 7 PM under Kim. "
        "Your confirmation code is K 7 Q M 2 X P A."
    )


def test_booked_with_requests_and_no_name() -> None:
    reservation = RESERVATION | {"guest_name": None, "requests": "birthday", "time": "18:30"}
    result = {"ok": True, "outcome": "booked", "reservation": reservation}
    assert replies.reply_booking(result, {}) == (
        "You're booked: a table for four on Friday, December 4 at 6:30 PM. I've noted: birthday. "
        "Your confirmation code is K 7 Q M 2 X P A."
    )


def test_merged() -> None:
    result = {"ok": True, "outcome": "merged", "reservation": RESERVATION | {"party_size": 6}}
    assert replies.reply_booking(result, {}) == (
        "I've updated your booking from a moment ago: a table for six on Friday, December 4 at "
        "7 PM under Kim. Your confirmation code is still K 7 Q M 2 X P A."
    )


ASKED = {"date": "2026-12-04", "time": "19:00", "party_size": 4}


def test_full_with_alternatives_offers_them_and_the_waitlist() -> None:
    result = {"ok": True, "outcome": "full", "alternatives": ["18:30", "19:30", "20:00"]}
    assert replies.reply_booking(result, ASKED) == (
        "Sorry, Friday, December 4 at 7 PM is fully booked for four. I could do 6:30 PM, 7:30 PM "
        "or 8 PM instead, or put you on the waitlist for 7 PM. Which would you like?"
    )


def test_full_without_alternatives_offers_the_waitlist() -> None:
    result = {"ok": True, "outcome": "full", "alternatives": []}
    assert replies.reply_booking(result, ASKED) == (
        "Sorry, Friday, December 4 at 7 PM is fully booked for four, and nothing is free near "
        "then. Shall I put you on the waitlist?"
    )


def test_waitlisted() -> None:
    entry = {"code": "W4KD9PQZ", "date": "2026-12-04", "time": "19:00", "party_size": 4}
    result = {"ok": True, "outcome": "waitlisted", "waitlist": entry | {"position": 2}}
    assert replies.reply_booking(result, ASKED | {"join_waitlist": True}) == (
        "You're number 2 on the waitlist for a table for four on Friday, December 4 at 7 PM. "
        "Your waitlist code is W 4 K D 9 P Q Z."
    )


def _availability(**result: Any) -> dict[str, Any]:
    return {"ok": True, "date": "2026-12-04", "party_size": 2, "open": True} | result


def test_availability_of_the_time_asked_for() -> None:
    free = _availability(requested={"time": "19:00", "available": True}, nearest=[])
    assert replies.reply_availability(free, {}) == (
        "Yes, we have a table for two on Friday, December 4 at 7 PM. Shall I book it?"
    )
    taken = _availability(requested={"time": "19:00", "available": False}, nearest=["18:30"])
    assert replies.reply_availability(taken, {}) == (
        "Sorry, 7 PM on Friday, December 4 is taken for two. I could do 6:30 PM. Would that work?"
    )
    taken["nearest"] = ["18:30", "19:30"]
    assert "I could do 6:30 PM or 7:30 PM. Would one of those work?" in (
        replies.reply_availability(taken, {})
    )
    taken["nearest"] = []
    assert replies.reply_availability(taken, {}) == (
        "Sorry, there's no table for two on Friday, December 4 at 7 PM, or near then."
    )


def test_availability_of_a_whole_day_reads_ranges() -> None:
    times = ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30", "20:00", "21:00"]
    taken = {"19:00", "20:00"}
    slots = [{"time": t, "available": t not in taken} for t in times]
    result = _availability(slots=slots, requested=None)
    assert replies.reply_availability(result, {}) == (
        "On Friday, December 4 we have tables for two from 5 PM to 6:30 PM, at 7:30 PM and at "
        "9 PM. What time?"
    )
    lunch_and_dinner = ["11:30", "12:00", "12:30", "13:00", "17:00", "17:30", "18:00"]
    slots = [{"time": t, "available": True} for t in lunch_and_dinner]
    assert "from 11:30 AM to 1 PM and from 5 PM to 6 PM." in (
        replies.reply_availability(_availability(slots=slots, requested=None), {})
    )
    none_free = _availability(slots=[{"time": "17:00", "available": False}], requested=None)
    assert replies.reply_availability(none_free, {}) == (
        "Sorry, Friday, December 4 is fully booked for two."
    )
    closed = _availability(open=False, slots=[], requested=None)
    assert replies.reply_availability(closed, {}) == "Sorry, we're closed on Friday, December 4."


def test_the_whole_menu_is_read_compactly() -> None:
    assert replies.reply_menu(MENU, {}) == (
        "Our menu has starters, mains and desserts. A few favourites: Seafood scallion pancake, "
        "$18; Grilled short ribs, $42; and Hotteok, $9.50."
    )


def test_a_category_or_a_dietary_filter_reads_its_dishes() -> None:
    desserts = MENU | {"categories": MENU["categories"][2:]}
    assert replies.reply_menu(desserts, {"category": "desserts"}) == (
        "Our desserts: Hotteok, $9.50."
    )
    starters = MENU | {"categories": MENU["categories"][:1]}
    assert replies.reply_menu(starters, {"category": "starters", "dietary": "vegetarian"}) == (
        "Our vegetarian starters: Seafood scallion pancake, $18; and Japchae, $16."
    )
    assert replies.reply_menu(desserts, {"dietary": "contains_nuts"}) == (
        "Our dishes with nuts: Hotteok, $9.50."
    )
    assert replies.reply_menu(MENU | {"categories": []}, {"dietary": "gluten_free"}) == (
        "Sorry, we have no gluten-free dishes on the menu."
    )


def test_a_list_one_over_the_limit_is_read_whole() -> None:
    dishes = [{"name": f"Dish {i}", "price": 10 + i} for i in range(7)]
    seven = MENU | {"categories": [{"id": "mains", "name": "Mains", "dishes": dishes}]}
    assert replies.reply_menu(seven, {"dietary": "spicy"}).endswith("; and Dish 6, $16.")


def test_a_long_list_of_dishes_is_cut_short() -> None:
    dishes = [{"name": f"Dish {i}", "price": 10 + i} for i in range(9)]
    many = MENU | {"categories": [{"id": "mains", "name": "Mains", "dishes": dishes}]}
    reply = replies.reply_menu(many, {"dietary": "vegetarian"})
    assert reply.startswith("Our vegetarian dishes: Dish 0, $10; Dish 1, $11;")
    assert reply.endswith("Dish 5, $15; and 3 more.")


def test_reservations_found() -> None:
    assert replies.reply_reservations({"ok": True, "reservations": []}, {}) == (
        "You have no upcoming reservations at Hanok Table."
    )
    one = {"ok": True, "reservations": [RESERVATION]}
    assert replies.reply_reservations(one, {}) == (
        "You have one reservation: a table for four on Friday, December 4 at 7 PM under Kim, "
        "code K 7 Q M 2 X P A."
    )
    second = RESERVATION | {"code": "P2", "guest_name": None, "date": "2026-12-12"}
    two = {"ok": True, "reservations": [RESERVATION, second]}
    assert replies.reply_reservations(two, {}) == (
        "You have 2 reservations: a table for four on Friday, December 4 at 7 PM under Kim, "
        "code K 7 Q M 2 X P A; and a table for four on Saturday, December 12 at 7 PM, code P 2."
    )


def test_changed() -> None:
    changed = RESERVATION | {"party_size": 6, "time": "20:00"}
    result = {"ok": True, "reservation": changed, "changed": ["party_size", "time"]}
    assert replies.reply_change(result, {}) == (
        "Done, I've changed the party size and the time. You now have a table for six on "
        "Friday, December 4 at 8 PM under Kim. Your confirmation code is still K 7 Q M 2 X P A."
    )
    same = {"ok": True, "reservation": RESERVATION, "changed": []}
    assert replies.reply_change(same, {}) == (
        "Your reservation is already a table for four on Friday, December 4 at 7 PM."
    )


def test_cancelled_and_the_retention_offer() -> None:
    offer = {"ok": True, "outcome": "retention_offer", "reservation": RESERVATION, "offer": OFFER}
    assert replies.reply_cancel(offer, {}) == f"{OFFER} Shall I still cancel?"
    cancelled = {"ok": True, "outcome": "cancelled", "reservation": RESERVATION}
    assert replies.reply_cancel(cancelled, {}) == (
        "Done: your reservation for four on Friday, December 4 at 7 PM is cancelled."
    )


def test_a_refusal_is_read_out_with_its_reason() -> None:
    messages = [
        HumanMessage(content="book a table for 20 on friday at 7"),
        AIMessage(content="", tool_calls=[{"name": "book_table", "args": {}, "id": "c1"}]),
        ToolMessage(
            content=json.dumps(
                {"ok": False, "reason": "refused", "error": "we seat parties of up to 10."}
            ),
            tool_call_id="c1",
        ),
    ]
    reply = RulesChatModel(today=TODAY).invoke(messages).content
    assert reply == "Sorry, I couldn't do that: we seat parties of up to 10."


def test_a_refusal_that_asks_a_question_keeps_its_question_mark() -> None:
    error = "you have 2 reservations (K7QM2XPA on Friday; P2 on Saturday); which one?"
    messages = [
        HumanMessage(content="cancel my reservation"),
        AIMessage(content="", tool_calls=[{"name": "cancel_reservation", "args": {}, "id": "c1"}]),
        ToolMessage(
            content=json.dumps({"ok": False, "reason": "refused", "error": error}),
            tool_call_id="c1",
        ),
    ]
    reply = RulesChatModel(today=TODAY).invoke(messages).content
    assert reply == f"Sorry, I couldn't do that: {error}"


def test_a_failure_on_our_side_is_an_apology_for_that_tool() -> None:
    messages = [
        HumanMessage(content="cancel my reservation"),
        AIMessage(content="", tool_calls=[{"name": "cancel_reservation", "args": {}, "id": "c1"}]),
        ToolMessage(content="Error: boom", tool_call_id="c1"),
    ]
    reply = RulesChatModel(today=TODAY).invoke(messages).content
    assert (
        reply == "Sorry, I couldn't cancel your reservation just now. Please try again in a moment."
    )


# ---- whole conversations through the graph ---------------------------------------------------


class FakeHanok:
    """Hanok's tools in memory: 7 PM is full, everything else books; a cancel hears the offer
    first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def tools(self) -> list[BaseTool]:
        calls = self.calls

        @tool
        def book_table(
            date: str,
            time: str,
            party_size: int,
            name: str | None = None,
            requests: str | None = None,
            join_waitlist: bool = False,
        ) -> str:
            """Book a table for the caller."""
            args = {"date": date, "time": time, "party_size": party_size}
            calls.append(("book_table", args | {"join_waitlist": join_waitlist}))
            if join_waitlist:
                entry = args | {"code": "W4KD9PQZ", "position": 1}
                return json.dumps({"ok": True, "outcome": "waitlisted", "waitlist": entry})
            if time == "19:00":
                return json.dumps({"ok": True, "outcome": "full", "alternatives": ["18:30"]})
            reservation = RESERVATION | args | {"guest_name": name, "requests": requests}
            return json.dumps({"ok": True, "outcome": "booked", "reservation": reservation})

        @tool
        def cancel_reservation(
            code: str | None = None, accept_retention_offer: bool = False
        ) -> str:
            """Cancel the caller's reservation."""
            calls.append(("cancel_reservation", {"code": code, "accept": accept_retention_offer}))
            outcome = "cancelled" if accept_retention_offer else "retention_offer"
            result = {"ok": True, "outcome": outcome, "reservation": RESERVATION, "offer": OFFER}
            return json.dumps(result)

        return [book_table, cancel_reservation]


def _conversation(graph: Any, *said: str) -> list[AgentOutcome]:
    history: list[Any] = []
    outcomes = []
    for i, text in enumerate(said):
        outcome = run_turn(graph, history, text, TurnContext("u1", f"t{i}", "s1"), asyncio.run)
        outcomes.append(outcome)
        history = outcome.history
    return outcomes


@pytest.fixture
def hanok() -> FakeHanok:
    return FakeHanok()


@pytest.fixture
def graph(hanok: FakeHanok) -> Any:
    return build_graph(RulesChatModel(today=TODAY), hanok.tools())


def test_a_booking_asked_for_bit_by_bit(graph: Any, hanok: FakeHanok) -> None:
    replies_heard = [o.reply for o in _conversation(graph, "book a table", "four", "friday at 6")]
    assert replies_heard == [
        "For how many people, and for what day and time?",
        "For what day and time?",
        "You're booked: a table for four on Friday, December 4 at 6 PM. "
        "Your confirmation code is K 7 Q M 2 X P A.",
    ]
    assert hanok.calls == [
        (
            "book_table",
            {"date": "2026-12-04", "time": "18:00", "party_size": 4, "join_waitlist": False},
        )
    ]


def test_a_full_slot_then_the_waitlist(graph: Any, hanok: FakeHanok) -> None:
    full, waitlisted = _conversation(graph, "book a table for two on friday at 7", "waitlist")
    assert full.reply.startswith("Sorry, Friday, December 4 at 7 PM is fully booked for two.")
    assert waitlisted.reply.startswith("You're number 1 on the waitlist for a table for two")
    assert [args["join_waitlist"] for _, args in hanok.calls] == [False, True]


def test_a_cancel_hears_the_offer_then_cancels_anyway(graph: Any, hanok: FakeHanok) -> None:
    offer, done = _conversation(graph, "cancel my reservation", "cancel it anyway")
    assert offer.reply == f"{OFFER} Shall I still cancel?"
    assert (
        done.reply == "Done: your reservation for four on Friday, December 4 at 7 PM is cancelled."
    )
    assert hanok.calls == [
        ("cancel_reservation", {"code": None, "accept": False}),
        ("cancel_reservation", {"code": "K7QM2XPA", "accept": True}),
    ]


def test_a_cancel_declined_keeps_the_reservation(graph: Any, hanok: FakeHanok) -> None:
    _, kept = _conversation(graph, "cancel my reservation", "no, keep it")
    assert kept.reply == "Okay, I'll keep your reservation as it is."
    assert len(hanok.calls) == 1 and kept.tool_calls == []


def test_without_hanoks_tools_the_caller_hears_it_cannot_be_reached() -> None:
    graph = build_graph(RulesChatModel(today=TODAY), [])
    [outcome] = _conversation(graph, "book a table for two on friday at 7")
    assert (
        outcome.reply
        == NOT_REACHABLE
        == ("Sorry, I can't reach Hanok Table just now. Please try again in a moment.")
    )
    [asked] = _conversation(graph, "book a table")
    assert asked.reply == NOT_REACHABLE  # not a question it could not follow up
