"""The real turn graph with the offline rules model and in-memory tools."""

import asyncio
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, tool

from functions.agent_turn.agent import memory
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.rules_model import FALLBACK, RulesChatModel
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.speaker import split_sentences
from functions.agent_turn.agent.turn_context import TurnContext, current_turn
from shared.contracts import ToolCallRecord

pytestmark = pytest.mark.unit

TODAY = date(2026, 1, 1)  # a Thursday
COULD_NOT_SAVE = "Sorry, I couldn't save that todo just now. Please try again in a moment."


class FakeTodos:
    """Stores todos per user in a dict, answering in the JSON shape of the agent's tools.py."""

    def __init__(self) -> None:
        self.todos: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, dict[str, Any], str]] = []  # (tool, args, request_key)
        self.fail_next: str | None = None
        self.raise_next: Exception | None = None

    def tools(self) -> list[BaseTool]:
        store = self

        @tool
        def add_todo(title: str, config: RunnableConfig, due_date: str | None = None) -> str:
            """Add a todo for the caller. due_date is an ISO date (YYYY-MM-DD) or omitted."""
            ctx = current_turn()
            key = ctx.request_key("add_todo")
            store.calls.append(("add_todo", {"title": title, "due_date": due_date}, key))
            if store.raise_next is not None:
                exc, store.raise_next = store.raise_next, None
                raise exc
            if store.fail_next is not None:
                error, store.fail_next = store.fail_next, None
                return json.dumps({"ok": False, "error": error})
            todo = {
                "id": len(store.todos.get(ctx.user_id, [])) + 1,
                "title": title,
                "due_date": due_date,
                "completed": False,
            }
            store.todos.setdefault(ctx.user_id, []).append(todo)
            return json.dumps({"ok": True, "created": True, "todo": todo})

        @tool
        def list_todos(config: RunnableConfig, include_completed: bool = False) -> str:
            """List the caller's todos (open ones unless include_completed is true)."""
            ctx = current_turn()
            store.calls.append(("list_todos", {"include_completed": include_completed}, ""))
            todos = [
                t
                for t in store.todos.get(ctx.user_id, [])
                if include_completed or not t["completed"]
            ]
            return json.dumps({"ok": True, "todos": todos})

        @tool
        def complete_todo(todo: str, config: RunnableConfig) -> str:
            """Mark the caller's open todo that best matches the title as done."""
            ctx = current_turn()
            title = todo
            store.calls.append(("complete_todo", {"todo": todo}, ""))
            for todo in store.todos.get(ctx.user_id, []):
                if not todo["completed"] and title.lower() in todo["title"].lower():
                    todo["completed"] = True
                    return json.dumps({"ok": True, "todo": todo})
            return json.dumps({"ok": False, "error": f"no open todo matches '{title}'"})

        return [add_todo, list_todos, complete_todo]


@pytest.fixture
def fake() -> FakeTodos:
    return FakeTodos()


@pytest.fixture
def graph(fake: FakeTodos) -> Iterator[Any]:
    yield build_graph(RulesChatModel(today=TODAY), fake.tools())


def _turn(
    graph: Any, text: str, history: list[Any] | None = None, turn: str = "t1"
) -> AgentOutcome:
    return run_turn(graph, list(history or []), text, TurnContext("u1", turn, "s1"), asyncio.run)


def test_add_todo_calls_the_tool_and_replies(graph: Any, fake: FakeTodos) -> None:
    outcome = _turn(graph, "add a todo to buy milk")

    assert fake.calls == [("add_todo", {"title": "buy milk", "due_date": None}, "t1:add_todo:1")]
    assert fake.todos["u1"][0]["title"] == "buy milk"
    assert outcome.reply == "Okay, I added buy milk to your todo list."
    assert outcome.sentences == ["Okay,", "I added buy milk to your todo list."]


def test_tool_call_is_recorded(graph: Any) -> None:
    outcome = _turn(graph, "add a todo to buy milk tomorrow")

    assert len(outcome.tool_calls) == 1
    record = outcome.tool_calls[0]
    assert isinstance(record, ToolCallRecord)
    assert record.name == "add_todo"
    assert record.arguments == {"title": "buy milk", "due_date": "2026-01-02"}
    assert "config" not in record.arguments
    assert record.ok is True
    assert json.loads(record.result_summary)["todo"]["title"] == "buy milk"
    assert record.started_at <= record.ended_at
    assert record.call_id


def test_reply_says_the_due_day(graph: Any) -> None:
    outcome = _turn(graph, "add a todo to buy milk tomorrow")
    assert outcome.reply == "Okay, I added buy milk to your todo list for Friday, January 2."


def test_history_holds_the_whole_turn(graph: Any) -> None:
    outcome = _turn(graph, "add a todo to buy milk")
    kinds = [type(m) for m in outcome.history]
    assert kinds == [HumanMessage, AIMessage, ToolMessage, AIMessage]
    call = outcome.history[1].tool_calls[0]
    assert call["name"] == "add_todo"
    assert call["args"] == {"title": "buy milk"}
    assert outcome.history[2].tool_call_id == call["id"]


def test_list_reply_is_split_into_sentences(graph: Any, fake: FakeTodos) -> None:
    fake.todos["u1"] = [
        {"id": 1, "title": "buy milk", "due_date": "2026-01-02", "completed": False},
        {"id": 2, "title": "call mom", "due_date": None, "completed": False},
    ]
    outcome = _turn(graph, "what are my todos")
    assert outcome.reply == "You have 2 todos: buy milk for Friday, January 2; and call mom."
    # Each list item is its own speakable piece, so the first audio comes sooner.
    assert outcome.sentences == [
        "You have 2 todos:",
        "buy milk for Friday, January 2;",
        "and call mom.",
    ]
    assert [r.name for r in outcome.tool_calls] == ["list_todos"]
    assert outcome.tool_calls[0].arguments == {}


def test_list_of_one_and_empty_list(graph: Any, fake: FakeTodos) -> None:
    assert _turn(graph, "what are my todos").reply == "Your todo list is empty."
    fake.todos["u1"] = [{"id": 1, "title": "buy milk", "due_date": None, "completed": False}]
    assert _turn(graph, "list my tasks").reply == "You have one todo: buy milk."


def test_todos_are_per_user(graph: Any, fake: FakeTodos) -> None:
    fake.todos["someone-else"] = [
        {"id": 1, "title": "secret", "due_date": None, "completed": False}
    ]
    assert _turn(graph, "what are my todos").reply == "Your todo list is empty."


def test_complete_todo(graph: Any, fake: FakeTodos) -> None:
    _turn(graph, "add a todo to buy milk", turn="t1")
    outcome = _turn(graph, "mark buy milk as done", turn="t2")
    assert outcome.reply == "Done. I marked buy milk as complete."
    assert fake.todos["u1"][0]["completed"] is True
    assert outcome.tool_calls[0].name == "complete_todo"
    assert outcome.tool_calls[0].arguments == {"todo": "buy milk"}


def test_failing_tool_result_yields_an_apology(graph: Any, fake: FakeTodos) -> None:
    fake.fail_next = "the database is unavailable"
    outcome = _turn(graph, "add a todo to buy milk")
    assert outcome.reply == "Sorry, I couldn't do that: the database is unavailable."
    assert len(outcome.tool_calls) == 1
    assert outcome.tool_calls[0].ok is False
    assert fake.todos == {}


def test_no_matching_todo_yields_an_apology(graph: Any) -> None:
    outcome = _turn(graph, "mark walk the dog as done")
    assert outcome.reply.startswith("Sorry, I couldn't do that: no open todo matches")
    assert outcome.tool_calls[0].ok is False


def test_raising_tool_is_handled_and_recorded_as_failed(graph: Any, fake: FakeTodos) -> None:
    fake.raise_next = RuntimeError("boom")
    outcome = _turn(graph, "add a todo to buy milk")
    assert (
        outcome.reply == "Sorry, I couldn't save that todo just now. Please try again in a moment."
    )
    assert [r.ok for r in outcome.tool_calls] == [False]
    # What the model read, and what memory keeps, is a clear error without the exception.
    result = json.loads(str(outcome.history[2].content))
    assert result["ok"] is False and result["reason"] == "unavailable"
    assert "boom" not in json.dumps(memory.to_store(outcome.history))


@pytest.mark.parametrize(
    "content",
    [
        "Error: DatabaseError({'F': 'mbutils.c'})\n Please fix your mistakes.",
        '["not", "an", "object"]',
        json.dumps({"ok": False, "reason": "invalid_arguments", "error": "title: Field required"}),
        json.dumps({"ok": False, "reason": "unavailable", "error": "the todo could not be saved"}),
    ],
)
def test_a_tool_result_not_meant_for_the_caller_is_never_read_out(content: str) -> None:
    messages = [
        HumanMessage(content="add a todo to buy milk"),
        AIMessage(content="", tool_calls=[{"name": "add_todo", "args": {}, "id": "c1"}]),
        ToolMessage(content=content, tool_call_id="c1"),
    ]
    assert RulesChatModel(today=TODAY).invoke(messages).content == COULD_NOT_SAVE


def test_a_refusal_is_read_out_with_its_reason() -> None:
    messages = [
        HumanMessage(content="add a todo to x"),
        AIMessage(content="", tool_calls=[{"name": "add_todo", "args": {}, "id": "c1"}]),
        ToolMessage(
            content=json.dumps(
                {"ok": False, "reason": "refused", "error": "the todo needs a title."}
            ),
            tool_call_id="c1",
        ),
    ]
    reply = RulesChatModel(today=TODAY).invoke(messages).content
    assert reply == "Sorry, I couldn't do that: the todo needs a title."


def test_unknown_request_yields_the_fallback_without_tools(graph: Any, fake: FakeTodos) -> None:
    outcome = _turn(graph, "what is the weather like")
    assert outcome.reply == FALLBACK
    assert outcome.tool_calls == []
    assert fake.calls == []
    assert [type(m) for m in outcome.history] == [HumanMessage, AIMessage]
    assert outcome.sentences == split_sentences(FALLBACK)
    assert outcome.sentences[0] == "Sorry," and len(outcome.sentences) == 3


def test_model_without_the_tool_falls_back(fake: FakeTodos) -> None:
    only_list = [t for t in fake.tools() if t.name == "list_todos"]
    graph = build_graph(RulesChatModel(today=TODAY), only_list)
    outcome = _turn(graph, "add a todo to buy milk")
    assert outcome.reply == FALLBACK
    assert fake.calls == []


def test_turn_with_history_keeps_history(graph: Any) -> None:
    first = _turn(graph, "add a todo to buy milk", turn="t1")
    second = _turn(graph, "what are my todos", history=first.history, turn="t2")
    assert second.history[: len(first.history)] == first.history
    assert second.reply == "You have one todo: buy milk."
    assert [r.name for r in second.tool_calls] == ["list_todos"]


def test_history_round_trips_through_the_store(graph: Any) -> None:
    outcome = _turn(graph, "add a todo to buy milk tomorrow")
    stored = memory.to_store(outcome.history)
    # What goes to the session store must be plain JSON.
    restored = memory.from_store(json.loads(json.dumps(stored)))
    assert [type(m) for m in restored] == [type(m) for m in outcome.history]
    assert [m.content for m in restored] == [m.content for m in outcome.history]
    assert restored[1].tool_calls == outcome.history[1].tool_calls
    assert restored[2].tool_call_id == outcome.history[2].tool_call_id
    # And the restored history works as the next turn's history.
    nxt = _turn(graph, "what are my todos", history=restored, turn="t2")
    assert nxt.reply == "You have one todo: buy milk for Friday, January 2."


def test_request_key_is_stable_per_ordinal() -> None:
    ctx = TurnContext("u1", "turn-9", "s1")
    assert ctx.request_key("add_todo") == "turn-9:add_todo:1"
    assert ctx.request_key("add_todo") == "turn-9:add_todo:2"
    assert ctx.request_key("complete_todo") == "turn-9:complete_todo:1"
    # A redelivered turn gets a fresh context and so the very same keys.
    again = TurnContext("u1", "turn-9", "s1")
    assert [again.request_key("add_todo") for _ in range(2)] == [
        "turn-9:add_todo:1",
        "turn-9:add_todo:2",
    ]
    assert TurnContext("u1", "turn-10", "s1").request_key("add_todo") == "turn-10:add_todo:1"


def test_a_tool_call_outside_a_turn_is_refused() -> None:
    with pytest.raises(RuntimeError, match="turn context"):
        current_turn()
    ctx = TurnContext("u1", "t1", "s1")
    runtime = type("Runtime", (), {"config": {"configurable": {"turn_context": ctx}}})()
    assert current_turn(runtime) is ctx


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("It costs 3.50 dollars. Okay.", ["It costs 3.50 dollars.", "Okay."]),
        ("Done. 2 left.", ["Done.", "2 left."]),
        ("  ", []),
        ("no ending", ["no ending"]),
        ("e.g. this stays", ["e.g. this stays"]),
        ("Okay, I added milk to your list.", ["Okay,", "I added milk to your list."]),
        ("Yes, of course.", ["Yes, of course."]),
        ("As far as I know, it is fine.", ["As far as I know,", "it is fine."]),
        (  # a clause of up to ten words goes first: its audio is ready sooner
            "One two three four five six seven, eight nine ten.",
            ["One two three four five six seven,", "eight nine ten."],
        ),
        (
            "One two three four five six seven eight nine ten eleven, twelve thirteen fourteen.",
            ["One two three four five six seven eight nine ten eleven, twelve thirteen fourteen."],
        ),
        ("You have one todo: call mum today.", ["You have one todo:", "call mum today."]),
        ("Items: a; b; c.", ["Items: a;", "b;", "c."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
