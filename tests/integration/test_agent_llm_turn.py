"""A whole agent turn on a cloud model, against local servers that speak the vendors' APIs with
the real SDKs: routed, the tool called, the reply handed on piece by piece while the model is
still sending tokens, and a provider that fails passed over within the turn."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from datetime import date
from typing import Any

import pytest
from langchain_core.tools import BaseTool, StructuredTool

from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import run_turn
from functions.agent_turn.agent.turn_context import TurnContext
from functions.agent_turn.handler import AgentTurnHandler
from functions.agent_turn.llm.fallback import fallback_chat_model
from shared.session_store import Session
from shared.settings import AgentSettings
from shared.tool_caller import DOMAIN_META
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.llm_script import Fail, Text, Timing, ToolCall
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
KEY = "sk-test-5d1e2a"
ANSWER = "Okay, I added call the bank to your list. It is due on Friday. Anything else?"


class Todos:
    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []

    def tools(self) -> list[BaseTool]:
        def add_todo(title: str, due_date: str | None = None) -> str:
            """Add a todo for the caller."""
            self.added.append({"title": title, "due_date": due_date})
            return json.dumps({"ok": True, "todo": {"title": title, "due_date": due_date}})

        return [
            StructuredTool.from_function(
                add_todo, metadata={"_meta": {DOMAIN_META: "productivity"}}
            )
        ]


def _settings(**values: Any) -> AgentSettings:
    return AgentSettings(env="test", tools_token="t" * 16, hanok_token="h" * 16, **values)


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(work)


def _turn(graph: Any, said: str) -> tuple[Any, list[tuple[str, bool, float]]]:
    pieces: list[tuple[str, bool, float]] = []
    outcome = run_turn(
        graph,
        [],
        said,
        TurnContext("u1", f"t-{time.monotonic_ns()}", "s1"),
        _run,
        on_piece=lambda text, final: pieces.append((text, final, time.monotonic())),
    )
    return outcome, pieces


def test_a_streamed_tool_turn_speaks_before_the_model_finishes() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=Timing(first_token=0.3, tokens_per_second=50))
    fake.script(
        ToolCall("add_todo", {"title": "call the bank", "due_date": "2026-12-04"}), Text(ANSWER)
    )
    todos = Todos()
    with fake.serve() as url:
        settings = _settings(openai_api_key=KEY, openai_base_url=f"{url}/v1")
        model = fallback_chat_model(
            ["openai", "rules"], settings, models={"rules": RulesChatModel()}
        )
        graph = build_graph(model, todos.tools(), today=date(2026, 12, 1))
        outcome, pieces = _turn(graph, "add a todo to call the bank by Friday")

    assert todos.added == [{"title": "call the bank", "due_date": "2026-12-04"}]
    assert outcome.reply == ANSWER and outcome.domain == "productivity"
    assert outcome.answered is not None and outcome.answered.provider == "openai"
    assert [p[0] for p in pieces] == [
        "Okay,",
        "I added call the bank to your list.",
        "It is due on Friday.",
        "Anything else?",
    ]
    assert [p[1] for p in pieces] == [False, False, False, True]
    assert pieces[0][2] < fake.last_token_at, "the first piece waited for the whole answer"


def test_a_provider_that_fails_is_passed_over_within_the_turn() -> None:
    down = FakeAnthropic(api_key=KEY, timing=Timing(first_token=0, tokens_per_second=0))
    down.script(Fail(500))
    up = FakeOpenAI(api_key=KEY, timing=Timing(first_token=0, tokens_per_second=0))
    up.script(Text("Hello! How can I help?"))
    with down.serve() as a_url, up.serve() as o_url:
        settings = _settings(
            anthropic_api_key=KEY,
            anthropic_base_url=a_url,
            openai_api_key=KEY,
            openai_base_url=f"{o_url}/v1",
        )
        model = fallback_chat_model(["anthropic", "openai", "rules"], settings)
        outcome, pieces = _turn(build_graph(model, Todos().tools()), "hello there")
    assert outcome.reply == "Hello! How can I help?"
    assert outcome.answered is not None and outcome.answered.provider == "openai"
    assert [(f.provider, f.reason) for f in outcome.answered.fallbacks] == [
        ("anthropic", "HTTP 500")
    ]
    assert pieces[-1][1] is True


def test_the_session_choice_leads_the_chain_and_rules_alone_stays_unwrapped() -> None:
    handler = AgentTurnHandler(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        settings=_settings(openai_api_key=KEY, anthropic_api_key=KEY),
    )
    session = Session("s1", "u1", "Ada", "web", "r1", "active", llm_provider="openai")
    assert handler._chain(session) == ("openai", "anthropic", "rules")
    assert handler._chain(None) == ("rules",)
    assert isinstance(handler._model(("rules",)), RulesChatModel)
