"""The rules model's intent parser (the entry point, todos now in productivity_intents):
phrasings, slots and due-day resolution."""

from datetime import date, timedelta

import pytest

from functions.agent_turn.agent import spoken
from functions.agent_turn.agent.intents import Answer, Intent, parse
from functions.agent_turn.agent.productivity_when import When, split_when

pytestmark = pytest.mark.unit

TODAY = date(2026, 1, 1)  # a Thursday
WEEKDAY_DATES = {
    "friday": "2026-01-02",
    "saturday": "2026-01-03",
    "sunday": "2026-01-04",
    "monday": "2026-01-05",
    "tuesday": "2026-01-06",
    "wednesday": "2026-01-07",
    "thursday": "2026-01-08",  # today's weekday means next week, never today
}


def test_fixed_date_is_a_thursday() -> None:
    assert TODAY.weekday() == 3


@pytest.mark.parametrize(
    ("utterance", "title"),
    [
        ("add a todo to buy milk", "buy milk"),
        ("Add a todo to buy milk.", "buy milk"),
        ("please add a task to call the plumber", "call the plumber"),
        ("create a new todo called renew passport", "renew passport"),
        ("make a to-do: book dentist", "book dentist"),
        ("add another todo item saying feed the cat", "feed the cat"),
        ("new task - walk the dog", "walk the dog"),
        ("set up a to do for quarterly review", "quarterly review"),
        ("put pick up laundry on my todo list", "pick up laundry"),
        ("add eggs to my to-do list", "eggs"),
        ("add eggs to the task list", "eggs"),
        ("remind me to water the plants on my todo list", "water the plants"),
        ("add a todo to   buy    milk   ", "buy milk"),
        ("add a todo to call the monday club", "call the monday club"),
        ("add a todo to finish the report", "finish the report"),
        ("add a todo to show the list of todos", "show the list of todos"),
    ],
)
def test_add_without_due_day(utterance: str, title: str) -> None:
    assert parse(utterance, TODAY) == Intent("add_todo", {"title": title})


@pytest.mark.parametrize(
    ("utterance", "title", "due"),
    [
        ("add a todo to buy milk tomorrow", "buy milk", "2026-01-02"),
        ("Add a todo to buy milk tomorrow.", "buy milk", "2026-01-02"),
        ("add a todo to buy milk by tomorrow!!", "buy milk", "2026-01-02"),
        ("add a todo to pay rent today", "pay rent", "2026-01-01"),
        ("new task - walk the dog tonight", "walk the dog", "2026-01-01"),
        ("add a task call mom on friday", "call mom", "2026-01-02"),
        ("create a new todo called renew passport by monday", "renew passport", "2026-01-05"),
        ("add a todo: file taxes thursday", "file taxes", "2026-01-08"),
        ("add a todo to pay rent next thursday", "pay rent", "2026-01-08"),
        ("add a todo to clean the garage this saturday", "clean the garage", "2026-01-03"),
        ("add a todo to send invoices due wednesday", "send invoices", "2026-01-07"),
        ("ADD A TODO TO BUY MILK ON SUNDAY", "BUY MILK", "2026-01-04"),
        ("put pick up laundry on my todo list", "pick up laundry", None),
    ],
)
def test_add_with_due_day(utterance: str, title: str, due: str | None) -> None:
    expected = {"title": title} | ({"due_date": due} if due else {})
    assert parse(utterance, TODAY) == Intent("add_todo", expected)


@pytest.mark.parametrize("day", sorted(WEEKDAY_DATES))
def test_weekday_resolution_relative_to_today(day: str) -> None:
    intent = parse(f"add a todo to water plants on {day}", TODAY)
    assert intent == Intent("add_todo", {"title": "water plants", "due_date": WEEKDAY_DATES[day]})


@pytest.mark.parametrize("offset", range(7))
def test_a_weekday_is_always_one_to_seven_days_ahead(offset: int) -> None:
    today = TODAY + timedelta(days=offset)
    for word in spoken.WEEKDAYS:
        resolved = When.of(word, today).day
        assert resolved is not None
        assert 1 <= (resolved - today).days <= 7
        assert resolved.strftime("%A").lower() == word


def test_relative_days() -> None:
    assert When.of("today", TODAY).day == TODAY
    assert When.of("tonight", TODAY).day == TODAY
    assert When.of("tomorrow", TODAY).day == date(2026, 1, 2)
    assert When.of("tomorrow", date(2025, 12, 31)).day == date(2026, 1, 1)


def test_split_when_leaves_titles_without_a_day_alone() -> None:
    assert split_when("call the monday club") == ("call the monday club", "")
    assert split_when("buy milk on friday") == ("buy milk", "on friday")


@pytest.mark.parametrize(
    "utterance",
    [
        "what are my todos",
        "What are my todos?",
        "what's on my todo list?",
        "which tasks do I have",
        "list my tasks",
        "show me my todo list",
        "read my to-dos",
        "tell me my tasks",
        "my todos?",
        "my to do list",
    ],
)
def test_list(utterance: str) -> None:
    assert parse(utterance, TODAY) == Intent("list_todos", {})


@pytest.mark.parametrize(
    ("utterance", "title"),
    [
        ("mark buy milk as done", "buy milk"),
        ("mark buy milk done", "buy milk"),
        ("check off the buy milk todo", "buy milk"),
        ("tick off my dentist task", "dentist"),
        ("complete call mom", "call mom"),
        ("cross off eggs", "eggs"),
        ("finish my taxes task", "taxes"),
        ("I finished buy milk", "buy milk"),
        ("I have completed the report", "the report"),
        ("I've done the laundry", "the laundry"),
    ],
)
def test_complete(utterance: str, title: str) -> None:
    assert parse(utterance, TODAY) == Intent("complete_todo", {"todo": title})


@pytest.mark.parametrize(
    "utterance",
    [
        "",
        "   ",
        "?!.",
        "hello",
        "what is the weather",
        "add milk",
        "buy milk tomorrow",
        "tell me a joke",
    ],
)
def test_unrelated_is_none(utterance: str) -> None:
    assert parse(utterance, TODAY) is None


def test_a_todo_without_a_title_is_asked_for() -> None:
    assert parse("add a todo", TODAY) == Answer("What should the todo say?", "add_todo")


def test_add_takes_priority_over_complete_and_list_words() -> None:
    assert parse("add a todo to complete the form", TODAY) == Intent(
        "add_todo", {"title": "complete the form"}
    )
    assert parse("add a todo to list my tasks", TODAY) == Intent(
        "add_todo", {"title": "list my tasks"}
    )


def test_intent_args_are_independent() -> None:
    a, b = Intent("list_todos"), Intent("list_todos")
    a.args["x"] = 1
    assert b.args == {}
