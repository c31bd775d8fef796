"""The router's LLM classifier against a local server that speaks OpenAI's API, with the real
``openai`` SDK: words no rule, domain word or session domain places are routed by the model to
the right domain's agent; a classifier that errors or hangs leaves the turn to ``general``
within its own budget, and the turn is still answered."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine
from datetime import date
from typing import Any

import pytest
from langchain_core.tools import BaseTool, StructuredTool

from functions.agent_turn.agent.domains import DOMAINS
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.runner import AgentOutcome, run_turn
from functions.agent_turn.agent.turn_context import TurnContext
from functions.agent_turn.llm.classifier import CLASSIFY_TIMEOUT_SECONDS
from functions.agent_turn.models import chat_model_for, classifier_for, route_and_model
from shared.settings import AgentSettings
from shared.tool_caller import DOMAIN_META
from tests.fakes.llm_script import FAST, Fail, Hang, RecordedRequest, Text
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
KEY = "sk-test-c1a551f1"
TODAY = date(2026, 12, 1)
UNPLACED = "my knee has been hurting since I fell"  # no rule, no domain word, no session
ANSWER = "I am sorry about your knee. I can book you a clinic appointment. Shall I?"
CHAIN = ("openai", "rules")


def _tools() -> list[BaseTool]:
    def find_providers(specialty: str) -> str:
        """Find in-network providers of a specialty near the caller."""
        return json.dumps({"ok": True, "providers": []})

    def add_todo(title: str) -> str:
        """Add a todo for the caller."""
        return json.dumps({"ok": True})

    return [
        StructuredTool.from_function(
            find_providers, metadata={"_meta": {DOMAIN_META: "healthcare"}}
        ),
        StructuredTool.from_function(add_todo, metadata={"_meta": {DOMAIN_META: "productivity"}}),
    ]


def _settings(url: str) -> AgentSettings:
    return AgentSettings(
        env="test",
        tools_token="t" * 16,
        hanok_token="h" * 16,
        openai_api_key=KEY,
        openai_base_url=f"{url}/v1",
    )


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(work)


def _turn(url: str, said: str) -> tuple[AgentOutcome, list[str], float]:
    settings = _settings(url)
    graph = build_graph(
        chat_model_for(CHAIN, settings, TODAY),
        _tools(),
        today=TODAY,
        classify=classifier_for(CHAIN, settings),
    )
    pieces: list[str] = []
    started = time.monotonic()
    outcome = run_turn(
        graph,
        [],
        said,
        TurnContext("u1", f"t-{time.monotonic_ns()}", "s1"),
        _run,
        on_piece=lambda text, final: pieces.append(text),
    )
    return outcome, pieces, time.monotonic() - started


def _completions(fake: FakeOpenAI) -> list[dict[str, Any]]:
    requests: list[RecordedRequest] = fake.requests_to("/chat/completions")
    return [r.body or {} for r in requests]


def _system_prompt(body: dict[str, Any]) -> str:
    return str(next(m["content"] for m in body["messages"] if m["role"] in ("system", "developer")))


def _tool_names(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools", [])}


def test_words_nothing_else_places_are_routed_by_the_llm_to_that_domains_agent() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=FAST)
    fake.script(Text("Healthcare."), Text(ANSWER))
    with fake.serve() as url:
        outcome, pieces, _ = _turn(url, UNPLACED)

    assert (outcome.domain, outcome.routed_by) == ("healthcare", "llm")
    assert outcome.reply == ANSWER and " ".join(pieces) == ANSWER  # the label is never spoken
    assert outcome.answered is not None and outcome.answered.provider == "openai"
    assert route_and_model(outcome).startswith("domain healthcare, routed by llm;")

    asked, answered = _completions(fake)
    assert not asked.get("stream") and "tools" not in asked  # one plain question
    assert asked["messages"][-1] == {"role": "user", "content": UNPLACED}
    assert all(name in _system_prompt(asked) for name in DOMAINS)
    assert answered.get("stream") is True
    assert _system_prompt(answered).endswith(DOMAINS["healthcare"].prompt)
    assert "find_providers" in _tool_names(answered) and "add_todo" not in _tool_names(answered)


def test_a_word_that_is_no_domain_goes_to_general() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=FAST)
    fake.script(Text("Orthopaedics"), Text("Hello! How can I help?"))
    with fake.serve() as url:
        outcome, _, _ = _turn(url, UNPLACED)
    assert (outcome.domain, outcome.routed_by) == ("general", "default")
    assert outcome.reply == "Hello! How can I help?"


def test_a_classifier_that_errors_leaves_the_turn_to_general() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=FAST)
    fake.script(Fail(500), Text("Hello! What can I do for you?"))
    with fake.serve() as url:
        outcome, pieces, _ = _turn(url, UNPLACED)
    assert (outcome.domain, outcome.routed_by) == ("general", "default")
    assert outcome.reply == "Hello! What can I do for you?" and pieces
    assert _system_prompt(_completions(fake)[1]).endswith(DOMAINS["general"].prompt)


def test_a_classifier_that_hangs_gives_up_within_its_budget_and_the_turn_is_answered() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=FAST)
    fake.script(Hang(), Text("Hello! What can I do for you?"))
    with fake.serve() as url:
        outcome, _, took = _turn(url, UNPLACED)
    assert (outcome.domain, outcome.routed_by) == ("general", "default")
    assert outcome.reply == "Hello! What can I do for you?"
    assert CLASSIFY_TIMEOUT_SECONDS <= took < CLASSIFY_TIMEOUT_SECONDS + 1.0


def test_a_turn_the_rules_place_never_asks_the_llm() -> None:
    fake = FakeOpenAI(api_key=KEY, timing=FAST)
    fake.script(Text("Done, I added it."))
    with fake.serve() as url:
        outcome, _, _ = _turn(url, "add a todo to call the bank")
    assert outcome.routed_by == "rules" and len(_completions(fake)) == 1
