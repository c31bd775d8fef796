"""Where an agent turn's time went (``AgentOutcome.stage_ms``), measured on the real graph with
the offline rules model and in-memory tools."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from uuid import uuid4

import pytest

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.stage_clock import StageClock
from functions.agent_turn.agent.turn_context import TurnContext
from tests.slow_todo_tool import slow_todo_tools

pytestmark = pytest.mark.unit

TODAY = date(2026, 1, 1)
TOOL_SECONDS = 0.2
PARTS = ("route", "model", "tools", "publish")


def _turn(
    text: str, delay: float = TOOL_SECONDS, publish_seconds: float = 0.0, **timing: float
) -> AgentOutcome:
    def on_piece(piece: str, final: bool) -> None:
        time.sleep(publish_seconds)  # a publish that is waited for, as the first one is

    graph = build_graph(RulesChatModel(today=TODAY), slow_todo_tools(delay))
    return run_turn(
        graph, [], text, TurnContext("u1", "t1", "s1"), asyncio.run, on_piece=on_piece, **timing
    )


def test_a_slow_tool_shows_under_tools_and_the_parts_fit_in_the_total() -> None:
    outcome = _turn("add a todo to buy milk", publish_seconds=0.01)
    ms = outcome.stage_ms

    assert [c.name for c in outcome.tool_calls] == ["add_todo"]
    assert set(ms) == {*PARTS, "first_piece", "total"}
    assert TOOL_SECONDS * 1000 <= ms["tools"] < TOOL_SECONDS * 1000 + 150
    assert ms["route"] > 0 and ms["model"] > 0
    assert ms["publish"] >= 2 * 10  # two pieces: the lead-in "Okay," and the sentence
    assert ms["total"] >= sum(ms[p] for p in PARTS)  # none of them overlap here
    # The first piece is said after the tool's result came back, and before the turn ends.
    assert ms["tools"] <= ms["first_piece"] <= ms["total"]


def test_a_turn_without_a_tool_call_spends_nothing_in_tools() -> None:
    ms = _turn("hello").stage_ms

    assert ms["tools"] == 0.0
    assert ms["route"] > 0 and ms["model"] > 0
    assert ms["total"] >= ms["route"] + ms["model"]
    assert ms["first_piece"] <= ms["total"]


def test_a_turn_cut_off_at_its_deadline_counts_the_tool_until_then() -> None:
    outcome = _turn("add a todo to buy milk", delay=5.0, deadline_seconds=0.3)
    ms = outcome.stage_ms

    assert outcome.timed_out
    assert 250 <= ms["tools"] <= ms["total"] < 2000
    assert ms["first_piece"] >= 300  # the only piece is the deadline's own


def test_runs_inside_runs_and_side_by_side_are_counted_once() -> None:
    now = [0.0]
    clock = StageClock(clock=lambda: now[0])
    outer, inner, other = uuid4(), uuid4(), uuid4()
    clock.on_tool_start({}, "", run_id=outer)
    now[0] = 1.0
    clock.on_tool_start({}, "", run_id=inner)  # inside the first, or beside it
    now[0] = 2.0
    clock.on_tool_end("", run_id=outer)
    now[0] = 3.0
    clock.on_tool_end("", run_id=inner)
    clock.on_tool_end("", run_id=other)  # never started: ignored
    clock.on_chain_start({}, {}, run_id=other, metadata={"langgraph_node": "agent"})
    now[0] = 4.0
    clock.on_chain_end({}, run_id=other)

    ms = clock.stage_ms()
    assert ms["tools"] == 3000.0  # 0 s to 3 s, once
    assert ms["route"] == 0.0  # an "agent" node's chain is not routing
    assert ms["total"] == 4000.0 and "first_piece" not in ms
