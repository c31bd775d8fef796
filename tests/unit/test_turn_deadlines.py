"""A turn that takes long: a filler while a tool runs, and an honest answer at the deadline."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from uuid import uuid4

import pytest

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import (
    FILLER,
    TIMED_OUT,
    AgentOutcome,
    FillerWatch,
    run_turn,
)
from functions.agent_turn.agent.speaker import Speaker
from functions.agent_turn.agent.turn_context import TurnContext
from tests.slow_todo_tool import slow_todo_tools

pytestmark = pytest.mark.unit

TODAY = date(2026, 1, 1)
ADDED = ["Okay,", "I added buy milk to your todo list."]


def _turn(
    delay: float, text: str = "add a todo to buy milk", **timing: float
) -> tuple[AgentOutcome, list[tuple[str, bool]]]:
    pieces: list[tuple[str, bool]] = []
    graph = build_graph(RulesChatModel(today=TODAY), slow_todo_tools(delay))
    outcome = run_turn(
        graph,
        [],
        text,
        TurnContext("u1", "t1", "s1"),
        asyncio.run,
        on_piece=lambda piece, final: pieces.append((piece, final)),
        **timing,
    )
    return outcome, pieces


def test_a_slow_tool_is_covered_by_a_filler_then_the_reply() -> None:
    outcome, pieces = _turn(0.3, filler_after_seconds=0.1)

    assert pieces == [(FILLER, False), (ADDED[0], False), (ADDED[1], True)]
    assert outcome.sentences == ADDED  # the reply's own pieces, its lead-in apart as ever
    assert not outcome.timed_out


def test_a_fast_tool_gets_no_filler() -> None:
    _, pieces = _turn(0.0, filler_after_seconds=0.1)

    assert pieces == [(ADDED[0], False), (ADDED[1], True)]


def test_no_filler_without_a_tool_call() -> None:
    _, pieces = _turn(0.0, text="hello", filler_after_seconds=0.0)

    assert all(piece != FILLER for piece, _ in pieces)


def test_a_turn_past_its_deadline_answers_that_it_took_too_long() -> None:
    started = time.monotonic()
    outcome, pieces = _turn(5.0, filler_after_seconds=0.1, deadline_seconds=0.5)

    assert time.monotonic() - started < 2.0  # cancelled, not waited out
    assert pieces == [(FILLER, False), (TIMED_OUT, True)]
    assert outcome.timed_out and outcome.reply == TIMED_OUT
    [call] = outcome.tool_calls
    assert call.name == "add_todo" and not call.ok and "cancelled" in call.result_summary
    assert outcome.history[-1].content == TIMED_OUT


def test_the_deadline_alone_is_the_only_piece_without_a_filler() -> None:
    outcome, pieces = _turn(5.0, deadline_seconds=0.3)

    assert pieces == [(TIMED_OUT, True)]
    assert outcome.reply == TIMED_OUT and outcome.sentences == [TIMED_OUT]


def test_a_turn_within_its_deadline_is_untouched() -> None:
    outcome, pieces = _turn(0.0, deadline_seconds=5.0)

    assert pieces == [(ADDED[0], False), (ADDED[1], True)]
    assert not outcome.timed_out and outcome.reply == " ".join(ADDED)


def _watch_two_calls(speaker: Speaker, said: list[str]) -> None:
    """Two tool calls that each outlast ``after``, watched by one FillerWatch."""

    async def two_calls() -> None:
        watch = FillerWatch(speaker, lambda piece, final: said.append(piece), after=0.01)
        first, second = uuid4(), uuid4()
        await watch.on_tool_start({}, "", run_id=first)
        await watch.on_tool_start({}, "", run_id=second)
        await asyncio.sleep(0.05)
        await watch.on_tool_end("", run_id=first)
        await watch.on_tool_end("", run_id=second)

    asyncio.run(two_calls())


def test_at_most_one_filler_a_turn() -> None:
    said: list[str] = []
    _watch_two_calls(Speaker(lambda piece, final: None), said)

    assert said == [FILLER]


def test_no_filler_once_the_reply_has_begun() -> None:
    said: list[str] = []
    speaker = Speaker(lambda piece, final: said.append(piece))
    speaker.feed("Let me look. I am")  # "Let me look." went out: speech began
    _watch_two_calls(speaker, said)

    assert said == ["Let me look."]


def test_no_filler_while_the_reply_is_being_written() -> None:
    said: list[str] = []
    speaker = Speaker(lambda piece, final: said.append(piece))
    speaker.feed("Let me look that up.")  # written, not yet cut off as a piece
    _watch_two_calls(speaker, said)

    assert said == []
