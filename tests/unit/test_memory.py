"""Memory between turns: bounded, never starting on an orphaned tool result, and what falls off
the old end kept as a short summary the next turn's model sees in its system prompt."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from functions.agent_turn.agent import memory
from functions.agent_turn.agent.graph import _with_prompt

pytestmark = pytest.mark.unit


def _conversation(turns: int = 4) -> list[Any]:
    msgs: list[Any] = []
    for i in range(turns):
        call = {"name": "list_todos", "args": {}, "id": f"c{i}"}
        msgs += [
            HumanMessage(content=f"question {i}"),
            AIMessage(content="", tool_calls=[call]),
            ToolMessage(content='{"ok": true, "todos": []}', tool_call_id=f"c{i}"),
            AIMessage(content=f"answer {i}"),
        ]
    return msgs


def _body(messages: list[Any]) -> list[Any]:
    return messages[1:] if memory.summary_of(messages) is not None else messages


@pytest.mark.parametrize("max_messages", range(1, 17))
def test_bounded_keeps_newest_turns_from_a_human_message(max_messages: int) -> None:
    msgs = _conversation()
    kept = _body(memory.bounded(msgs, max_messages))
    assert len(kept) <= max_messages
    if kept:
        assert isinstance(kept[0], HumanMessage)
        assert kept == msgs[-len(kept) :]


def test_short_history_is_untouched() -> None:
    msgs = _conversation()
    assert memory.bounded(msgs, 16) is msgs
    assert memory.bounded(msgs, 100) is msgs


def test_dropped_turns_are_summarised_in_order_without_tool_rounds() -> None:
    bounded = memory.bounded(_conversation(), 8)
    summary = memory.summary_of(bounded)
    assert summary is not None
    lines = str(summary.content).splitlines()[1:]
    assert lines == [
        "- Caller: question 0",
        "- You: answer 0",
        "- Caller: question 1",
        "- You: answer 1",
    ]
    assert _body(bounded) == _conversation()[-8:]


def test_a_summary_grows_across_turns_and_stays_within_its_bound() -> None:
    history: list[Any] = []
    for i in range(200):
        history = memory.bounded(
            [
                *history,
                HumanMessage(content=f"please remember item {i} " + "x" * 40),
                AIMessage(content=f"noted item {i}"),
            ],
            6,
        )
    summary = memory.summary_of(history)
    assert summary is not None
    assert len(str(summary.content)) <= memory.SUMMARY_MAX_CHARS
    text = str(summary.content)
    assert "item 196" in text  # the newest of the dropped turns are the ones kept
    assert "item 3 " not in text
    assert len(_body(history)) <= 6


def test_summary_survives_the_store_round_trip() -> None:
    bounded = memory.bounded(_conversation(), 4)
    restored = memory.from_store(json.loads(json.dumps(memory.to_store(bounded))))
    assert memory.summary_of(restored) is not None
    assert restored == bounded


def test_the_graph_folds_the_summary_into_the_one_system_prompt() -> None:
    bounded = memory.bounded(_conversation(), 4)
    prompt = SystemMessage(content="You are the productivity agent.")
    sent = _with_prompt(prompt, [*bounded, HumanMessage(content="next")])
    systems = [m for m in sent if isinstance(m, SystemMessage)]
    assert len(systems) == 1 and sent[0] is systems[0]
    assert str(sent[0].content).startswith("You are the productivity agent.")
    assert "- Caller: question 0" in str(sent[0].content)
    assert _with_prompt(prompt, [HumanMessage(content="hi")])[0] is prompt


@given(st.lists(st.sampled_from(["h", "a", "call"]), max_size=40), st.integers(1, 12))
def test_any_history_bounds_to_a_valid_one(shape: list[str], max_messages: int) -> None:
    msgs: list[Any] = []
    for i, kind in enumerate(shape):
        if kind == "h":
            msgs.append(HumanMessage(content=f"h{i}"))
        elif kind == "a":
            msgs.append(AIMessage(content=f"a{i}"))
        else:
            call = {"name": "list_todos", "args": {}, "id": f"c{i}"}
            msgs += [
                AIMessage(content="", tool_calls=[call]),
                ToolMessage(content="{}", tool_call_id=f"c{i}"),
            ]
    bounded = memory.bounded(msgs, max_messages)
    body = _body(bounded)
    assert len(body) <= max(max_messages, len(msgs) if len(msgs) <= max_messages else 0)
    if len(msgs) > max_messages and body:
        assert isinstance(body[0], HumanMessage)
    if (summary := memory.summary_of(bounded)) is not None:
        assert len(str(summary.content)) <= memory.SUMMARY_MAX_CHARS
