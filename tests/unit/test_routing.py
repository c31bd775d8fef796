"""Routing a turn to its domain: the intent parser first, then words only one domain uses, then
the session's domain, then an LLM's classification; each domain's agent sees only its tools."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool, StructuredTool

from functions.agent_turn.agent.domains import DOMAINS, tools_for
from functions.agent_turn.agent.graph import build_graph
from functions.agent_turn.agent.routing import DOMAIN_KEY, Classifier, Router
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.llm.classifier import classifier, domain_in, prompt
from functions.hanok import views
from functions.hanok.config import load_restaurant
from functions.hanok.tools import hanok_tools
from functions.tools.catalog import all_tools
from shared.settings import AgentSettings
from shared.tool_caller import DOMAIN_META

pytestmark = pytest.mark.unit
TODAY = date(2026, 12, 1)


MENU = json.dumps({"ok": True, **views.menu(load_restaurant()).model_dump(mode="json")})


def _tools() -> list[BaseTool]:
    """Every tool as the MCP servers list it: a name, a schema and the domain in _meta."""
    return [
        StructuredTool.from_function(
            func=lambda **_: MENU,
            name=s.name,
            description=s.description,
            args_schema=s.args,
            metadata={"_meta": {DOMAIN_META: s.domain}},
        )
        for s in [*all_tools(), *hanok_tools(load_restaurant())]
    ]


TOOLS = _tools()


def _route(*said: str, before: str | None = None, **kw: Any) -> tuple[str, str]:
    history: list[BaseMessage] = []
    if before:
        history = [HumanMessage("earlier"), AIMessage("ok", additional_kwargs={DOMAIN_KEY: before})]
    routing = Router(TOOLS, TODAY, **kw).route([*history, *(HumanMessage(s) for s in said)])
    chosen = asyncio.run(routing)
    return chosen.domain, chosen.how


class FakeClassifier:
    """An async classifier that answers ``answer`` and remembers what it was asked."""

    def __init__(self, answer: str | None):
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, text: str) -> str | None:
        self.asked.append(text)
        await asyncio.sleep(0)  # a real one awaits the network
        return self.answer


@pytest.mark.parametrize(
    ("said", "domain"),
    [
        ("book a table for four on Friday at 7 pm", "hanok"),
        ("add a todo to call the bank", "productivity"),
        ("what reservations do I have", "hanok"),
    ],
)
def test_a_request_the_parser_understands_goes_to_its_tools_domain(said: str, domain: str) -> None:
    assert _route(said) == (domain, "rules")


@pytest.mark.parametrize(
    ("said", "domain"),
    [
        ("I have a question about my deductible and a claim", "healthcare"),
        ("thinking about refinancing my mortgage loan", "mortgage"),
        ("tell me about the restaurant's lunch menu specials", "hanok"),
    ],
)
def test_words_only_one_domain_uses_decide_when_the_parser_cannot(said: str, domain: str) -> None:
    assert _route(said)[0] == domain


def test_the_session_domain_sticks_until_the_topic_changes() -> None:
    assert _route("hmm, what about that", before="mortgage") == ("mortgage", "sticky")
    assert _route("is the bibimbap vegetarian", before="mortgage")[0] == "hanok"


def test_an_llm_classifies_only_what_nothing_else_decided() -> None:
    healthcare = FakeClassifier("healthcare")
    assert _route("what do you think", classify=healthcare) == ("healthcare", "llm")
    assert healthcare.asked == ["what do you think"]
    assert _route("what do you think", classify=FakeClassifier("nonsense")) == (
        "general",
        "default",
    )
    assert _route("what do you think", classify=FakeClassifier(None)) == ("general", "default")
    assert _route("hello there") == ("general", "default")


@pytest.mark.parametrize(
    ("said", "before", "how"),
    [
        ("add a todo to call the bank", None, "rules"),
        ("my escrow account confuses me", None, "keywords"),
        ("hmm, what about that", "mortgage", "sticky"),
    ],
)
def test_the_classifier_is_not_asked_when_an_earlier_step_decided(
    said: str, before: str | None, how: str
) -> None:
    asked = FakeClassifier("hanok")
    assert _route(said, before=before, classify=asked)[1] == how
    assert asked.asked == []


def test_the_classifier_is_awaited_inside_the_graph() -> None:
    asked = FakeClassifier("mortgage")
    graph = build_graph(RulesChatModel(today=TODAY), TOOLS, classify=asked)
    state = asyncio.run(graph.ainvoke({"messages": [HumanMessage("what do you think")]}))
    assert (state["domain"], state["routed_by"]) == ("mortgage", "llm")
    assert asked.asked == ["what do you think"]


def _settings(**values: Any) -> AgentSettings:
    return AgentSettings(env="test", tools_token="t" * 16, hanok_token="h" * 16, **values)


def test_only_a_chain_led_by_a_cloud_model_has_a_classifier() -> None:
    cloud = _settings(openai_api_key="o-key", anthropic_api_key="a-key")
    assert classifier(("rules",), cloud) is None
    assert classifier((), cloud) is None
    assert classifier(("openai", "rules"), None) is None
    made: Classifier | None = classifier(("openai", "anthropic", "rules"), cloud)
    assert made is not None and getattr(made, "provider", "") == "openai"


def test_the_classifier_reads_one_domain_word_and_lists_every_domain() -> None:
    assert domain_in("Healthcare.") == "healthcare"
    assert domain_in("  hanok") == "hanok"
    assert domain_in("I think mortgage") is None
    assert domain_in("") is None
    assert all(name in prompt() and d.summary in prompt() for name, d in DOMAINS.items())


def test_each_domain_agent_sees_only_its_tools_and_transfer() -> None:
    by_domain = {name: {t.name for t in tools_for(d, TOOLS)} for name, d in DOMAINS.items()}
    assert "book_table" in by_domain["hanok"] and "add_todo" not in by_domain["hanok"]
    assert "add_todo" in by_domain["productivity"] and "book_table" not in by_domain["productivity"]
    transfer = {s.name for s in all_tools() if s.domain == "transfer"}
    assert transfer and all(transfer <= names for names in by_domain.values())


def test_the_graph_routes_acts_and_remembers_the_domain() -> None:
    graph = build_graph(RulesChatModel(today=TODAY), TOOLS)
    state = asyncio.run(graph.ainvoke({"messages": [HumanMessage("what's on the menu")]}))
    assert state["domain"] == "hanok" and state["routed_by"] == "rules"
    final = state["messages"][-1]
    assert isinstance(final, AIMessage) and final.additional_kwargs[DOMAIN_KEY] == "hanok"
