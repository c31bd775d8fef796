"""agent_turn with a slow tool, on the real bus and store: the filler, and the turn's deadline."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, tool

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.mcp_tools import McpToolbox
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import FILLER, TIMED_OUT
from functions.agent_turn.handler import AgentTurnHandler
from shared import topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.session_store import Session, SessionStore
from shared.settings import AgentSettings
from tests.integration.conftest import open_session

pytestmark = pytest.mark.integration


@pytest.fixture
def session(store: SessionStore) -> Session:
    return open_session(store, "u-slow", f"slow-{time.time_ns()}")


def _slow_tools(delay: float) -> list[BaseTool]:
    @tool
    async def add_todo(title: str, config: RunnableConfig, due_date: str | None = None) -> str:
        """Add a todo for the caller. due_date is an ISO date (YYYY-MM-DD) or omitted."""
        await asyncio.sleep(delay)
        todo = {"id": 1, "title": title, "due_date": due_date, "completed": False}
        return json.dumps({"ok": True, "created": True, "todo": todo})

    return [add_todo]


def _handler(
    bus: Bus, store: SessionStore, toolbox: McpToolbox, delay: float, **timing: float
) -> AgentTurnHandler:
    handler = AgentTurnHandler(bus, store, toolbox, **timing)  # type: ignore[arg-type]
    graph = build_graph(RulesChatModel(), _slow_tools(delay))
    handler.graph = lambda session=None, reads=None: graph  # type: ignore[method-assign]
    return handler


def _inbound(session: Session, turn: str, text: str) -> InboundMessage:
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id=turn,
        user_id=session.user_id,
        text=text,
        received_at=time.time(),
    )
    attrs = {"session_id": session.id, "turn_id": turn}
    return InboundMessage(msg.model_dump_json().encode(), attrs, message_id=f"m-{turn}")


def _pieces(messages: list[Any]) -> list[tuple[int, str, bool]]:
    pieces = [json.loads(m.data) for m in messages]
    return sorted((p["sentence_index"], p["text"], p["is_final"]) for p in pieces)


def test_a_slow_tool_is_covered_by_a_filler_then_answered(  # type: ignore[no-untyped-def]
    bus, store, toolbox, session, tap
) -> None:
    handler = _handler(bus, store, toolbox, 0.3, filler_after_seconds=0.1)
    outbound, replies = tap(topics.SESSION_OUTBOUND), tap(topics.AGENT_REPLY)
    handler.handle(_inbound(session, "t1", "add a todo to buy milk"))

    assert _pieces(replies.pull(expect=3)) == [
        (0, FILLER, False),
        (1, "Okay,", False),
        (2, "I added buy milk to your todo list.", True),
    ]
    [out] = outbound.pull()
    event = json.loads(out.data)["event"]
    assert event["type"] == "agent_final"
    assert event["text"] == "Okay, I added buy milk to your todo list."
    assert store.get_turn(session.id, "t1").status == "answered"  # type: ignore[index]


def test_a_turn_past_its_deadline_says_so_and_is_stored_timed_out(  # type: ignore[no-untyped-def]
    bus, store, toolbox, session, tap
) -> None:
    handler = _handler(bus, store, toolbox, 5.0, turn_deadline_seconds=0.5)
    outbound, replies, monitor = (
        tap(topics.SESSION_OUTBOUND),
        tap(topics.AGENT_REPLY),
        tap(topics.MONITOR_EVENTS),
    )
    started = time.monotonic()
    handler.handle(_inbound(session, "t1", "add a todo to buy milk"))

    assert time.monotonic() - started < 4.0  # the turn did not hang on the tool
    assert _pieces(replies.pull()) == [(0, TIMED_OUT, True)]
    [final] = [json.loads(m.data)["event"] for m in outbound.drain(1.5)]  # and no error
    assert final["type"] == "agent_final" and final["text"] == TIMED_OUT
    turn = store.get_turn(session.id, "t1")
    assert turn is not None and turn.status == "timed_out" and turn.agent_done
    [record] = [json.loads(m.data) for m in monitor.pull()]
    assert record["kind"] == "turn_failed" and record["detail"] == "deadline"
    assert record["text_out"] == TIMED_OUT and not record["tool_calls"][0]["ok"]


def test_the_timings_come_from_the_settings(  # type: ignore[no-untyped-def]
    bus, store, toolbox, agent_settings: AgentSettings
) -> None:
    settings = agent_settings.model_copy(
        update={"turn_deadline_seconds": 7.0, "filler_after_seconds": 0.5}
    )
    handler = AgentTurnHandler(bus, store, toolbox, settings=settings)
    assert (handler.turn_deadline_seconds, handler.filler_after_seconds) == (7.0, 0.5)
    bare = AgentTurnHandler(bus, store, toolbox)
    assert (bare.turn_deadline_seconds, bare.filler_after_seconds) == (20.0, 1.5)
