import pytest

pytestmark = pytest.mark.integration
# ruff: noqa: E402 - the tier marker leads the module, the imports follow it

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import StructuredTool

from functions.agent_turn.llm.fallback import (
    AllProvidersFailed,
    FailedMidStream,
    FallbackChatModel,
    answered_of,
    fallback_chat_model,
)
from functions.agent_turn.llm.providers import ProviderId, chat_model
from functions.agent_turn.llm.startup import check_keys
from local.services import free_port
from shared.settings import AgentSettings, ConfigurationError
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.llm_script import FAST, Drop, Fail, Hang, ScriptedLLM, Text, Timing, ToolCall
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-test-3b9f0c7e11"
WRONG = "sk-wrong-88d1aa02"
ANSWER = "You have three todos today, and the first is to call the bank."


def add_todo(title: str, priority: int) -> str:
    """Add a todo with a title and a priority from 1 to 3."""
    return f"added {title!r} at priority {priority}"


def weather(city: str) -> str:
    """Today's weather in a city."""
    return f"sunny in {city}"


TOOLS = [StructuredTool.from_function(add_todo), StructuredTool.from_function(weather)]


@dataclass(frozen=True)
class Vendor:
    provider: ProviderId
    fake: type[ScriptedLLM]
    suffix: str  # what the base URL needs after the server's root
    path: str  # the generation endpoint, as recorded
    tool_names: Callable[[dict[str, Any]], list[str]]  # the tools a request declared
    tool_result: Callable[[dict[str, Any]], Any]  # the tool result a request sent back


def _anthropic_result(body: dict[str, Any]) -> Any:
    blocks = [b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"]]
    return next(b["content"] for b in blocks if b.get("type") == "tool_result")


def _gemini_result(body: dict[str, Any]) -> Any:
    parts = [p for c in body["contents"] for p in c["parts"]]
    return next(p["functionResponse"]["response"] for p in parts if "functionResponse" in p)


VENDORS = {
    "anthropic": Vendor(
        "anthropic",
        FakeAnthropic,
        "",
        "/v1/messages",
        lambda b: [t["name"] for t in b["tools"]],
        _anthropic_result,
    ),
    "openai": Vendor(
        "openai",
        FakeOpenAI,
        "/v1",
        "/v1/chat/completions",
        lambda b: [t["function"]["name"] for t in b["tools"] if t["type"] == "function"],
        lambda b: next(m["content"] for m in b["messages"] if m["role"] == "tool"),
    ),
    "gemini": Vendor(
        "gemini",
        FakeGemini,
        "",
        ":streamGenerateContent",
        lambda b: [f["name"] for t in b["tools"] for f in t["functionDeclarations"]],
        _gemini_result,
    ),
}


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop (the suite has no async plugin)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def settings(**values: Any) -> AgentSettings:
    base: dict[str, Any] = {"env": "test", "tools_token": "t" * 16, "hanok_token": "h" * 16}
    return AgentSettings(**{**base, **values})


def pointed_at(vendor: Vendor, url: str, key: str = KEY) -> dict[str, Any]:
    p = vendor.provider
    return {f"{p}_api_key": key, f"{p}_base_url": url + vendor.suffix}


async def collect(model: Any, messages: list[BaseMessage]) -> tuple[list[Any], list[float]]:
    chunks, times = [], []
    async for chunk in model.astream(messages):
        chunks.append(chunk)
        times.append(time.monotonic())
    return chunks, times


def merged(chunks: list[Any]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


# each vendor through its SDK and LangChain chat model ------------------------------------------


@pytest.mark.parametrize("name", sorted(VENDORS))
@run_async
async def test_a_tool_calling_exchange_streams_through_the_real_sdk(name: str) -> None:
    vendor = VENDORS[name]
    fake = vendor.fake(api_key=KEY, timing=Timing(first_token=0.15, tokens_per_second=40))
    fake.script(ToolCall("add_todo", {"title": "call the bank", "priority": 2}), Text(ANSWER))
    with fake.serve() as url:
        model = chat_model(vendor.provider, settings(**pointed_at(vendor, url))).bind_tools(TOOLS)
        messages: list[BaseMessage] = [HumanMessage("Add a todo to call the bank, priority 2")]
        first, _ = await collect(model, messages)
        call = merged(first).tool_calls[0]
        assert (call["name"], call["args"]) == (
            "add_todo",
            {"title": "call the bank", "priority": 2},
        )
        result = TOOLS[0].invoke(call["args"])
        messages += [merged(first), ToolMessage(result, tool_call_id=call["id"])]
        chunks, times = await collect(model, messages)

    texts = [c.text for c in chunks if c.text]
    assert "".join(texts) == ANSWER
    assert len(texts) > 1, "the final text streamed in one piece"
    first_text = next(t for c, t in zip(chunks, times, strict=True) if c.text)
    assert first_text < fake.last_token_at, "the first chunk waited for the whole answer"
    sent = fake.requests_to(vendor.path)
    assert len(sent) == 2
    assert sorted(vendor.tool_names(sent[0].body or {})) == ["add_todo", "weather"]
    assert "call the bank" in str(vendor.tool_result(sent[1].body or {}))


@pytest.mark.parametrize("name", sorted(VENDORS))
@run_async
async def test_a_wrong_key_gets_the_vendors_refusal(name: str) -> None:
    vendor = VENDORS[name]
    fake = vendor.fake(api_key=KEY, timing=FAST)
    with fake.serve() as url:
        model = chat_model(vendor.provider, settings(**pointed_at(vendor, url, WRONG)))
        with pytest.raises(Exception) as caught:
            await model.ainvoke("hello")
    assert WRONG not in str(caught.value)
    assert not fake.requests_to(vendor.path)


# the fallback chain ------------------------------------------------------------------------------


@pytest.fixture
def fakes() -> Iterator[tuple[dict[str, ScriptedLLM], dict[str, Any]]]:
    """One fake per vendor, served, and the settings that point each SDK at its fake."""
    servers = {n: v.fake(api_key=KEY, timing=Timing(0.02, 200)) for n, v in VENDORS.items()}
    values: dict[str, Any] = {"llm_first_token_timeout_seconds": 0.8, "llm_timeout_seconds": 3}
    with ExitStack() as stack:
        for name, fake in servers.items():
            values |= pointed_at(VENDORS[name], stack.enter_context(fake.serve()))
        yield servers, values


def chain(values: dict[str, Any], providers: list[ProviderId], **more: Any) -> FallbackChatModel:
    return fallback_chat_model(providers, settings(**{**values, **more}))


@run_async
async def test_a_500_falls_back_within_the_call(fakes: Any) -> None:
    servers, values = fakes
    servers["anthropic"].script(Fail(500))
    servers["openai"].script(Text(ANSWER))
    chunks, _ = await collect(chain(values, ["anthropic", "openai", "rules"]), [HumanMessage("hi")])
    answered = answered_of(merged(chunks))
    assert answered is not None and answered.provider == "openai"
    assert answered.model == "gpt-4.1-mini"
    assert [(f.provider, f.reason) for f in answered.fallbacks] == [("anthropic", "HTTP 500")]
    assert merged(chunks).text == ANSWER


@run_async
async def test_a_hang_past_the_first_token_timeout_falls_back(fakes: Any) -> None:
    servers, values = fakes
    servers["gemini"].script(Hang())
    servers["anthropic"].script(Text(ANSWER))
    started = time.monotonic()
    message = await chain(values, ["gemini", "anthropic"]).ainvoke([HumanMessage("hi")])
    assert time.monotonic() - started < 2.5
    answered = answered_of(message)
    assert answered is not None and answered.provider == "anthropic"
    assert answered.fallbacks[0].provider == "gemini"
    assert "first token" in answered.fallbacks[0].reason
    assert message.text == ANSWER


@run_async
async def test_a_wrong_key_and_a_429_fall_back_to_the_next(fakes: Any) -> None:
    servers, values = fakes
    servers["anthropic"].script(Fail(429))
    servers["gemini"].script(ToolCall("weather", {"city": "Seoul"}))
    model = chain(values, ["openai", "anthropic", "gemini"], openai_api_key=WRONG).bind_tools(TOOLS)
    message = await model.ainvoke([HumanMessage("weather in Seoul?")])
    answered = answered_of(message)
    assert answered is not None and answered.provider == "gemini"
    reasons = {f.provider: f.reason for f in answered.fallbacks}
    assert reasons == {"openai": "HTTP 401: the API key was refused", "anthropic": "HTTP 429"}
    assert message.tool_calls[0]["args"] == {"city": "Seoul"}  # type: ignore[attr-defined]
    assert WRONG not in str(answered)


@run_async
async def test_the_rules_model_answers_when_every_cloud_provider_fails(fakes: Any) -> None:
    servers, values = fakes
    servers["openai"].script(Fail(503))
    message = await chain(values, ["openai", "rules"]).ainvoke([HumanMessage("what are my todos")])
    answered = answered_of(message)
    assert answered is not None and answered.provider == "rules"
    assert message.text


@run_async
async def test_every_provider_failing_raises_with_the_reasons(fakes: Any) -> None:
    servers, values = fakes
    servers["openai"].script(Fail(500))
    servers["anthropic"].script(Fail(429))
    with pytest.raises(AllProvidersFailed) as caught:
        await chain(values, ["openai", "anthropic"]).ainvoke([HumanMessage("hi")])
    assert [f.reason for f in caught.value.fallbacks] == ["HTTP 500", "HTTP 429"]


@run_async
async def test_a_failure_after_the_first_chunk_is_not_mixed_with_the_next(fakes: Any) -> None:
    servers, values = fakes
    servers["openai"].script(Drop("One two three four five six seven", after=3))
    servers["anthropic"].script(Text("Anthropic would say this."))
    seen: list[str] = []
    with pytest.raises(FailedMidStream) as caught:
        async for chunk in chain(values, ["openai", "anthropic"]).astream([HumanMessage("hi")]):
            seen.append(chunk.text)
    assert "".join(seen) == "One two three"
    assert caught.value.answered.provider == "openai"
    assert not servers["anthropic"].requests_to("/v1/messages")


@run_async
async def test_a_whole_answer_past_the_timeout_fails_honestly(fakes: Any) -> None:
    servers, values = fakes
    servers["anthropic"].timing = Timing(0.0, tokens_per_second=10)
    servers["anthropic"].script(Text(" ".join(["word"] * 30)))
    model = chain(values, ["anthropic", "openai"], llm_timeout_seconds=0.6)
    with pytest.raises(FailedMidStream, match="whole answer"):
        await model.ainvoke([HumanMessage("hi")])
    assert not servers["openai"].requests_to("/v1/chat/completions")


def test_the_sync_path_falls_back_too(fakes: Any) -> None:
    servers, values = fakes
    servers["gemini"].script(Hang())
    servers["openai"].script(Text(ANSWER))
    message = chain(values, ["gemini", "openai"]).invoke([HumanMessage("hi")])
    answered = answered_of(message)
    assert answered is not None and answered.provider == "openai"
    assert "first token" in answered.fallbacks[0].reason


# the start-up key check --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_a_refused_key_stops_the_instance(name: str, caplog: pytest.LogCaptureFixture) -> None:
    vendor = VENDORS[name]
    fake = vendor.fake(api_key=KEY, timing=FAST)
    with fake.serve() as url, pytest.raises(ConfigurationError, match="refused") as caught:
        check_keys(settings(**pointed_at(vendor, url, WRONG)))
    assert WRONG not in str(caught.value) and WRONG not in caplog.text
    assert fake.requests, "the key was not checked"


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_a_good_key_passes_and_an_unreachable_server_only_warns(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    vendor = VENDORS[name]
    fake = vendor.fake(api_key=KEY, timing=FAST)
    with fake.serve() as url:
        assert check_keys(settings(**pointed_at(vendor, url))) == [vendor.provider]
    unreachable = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level(logging.WARNING):
        assert check_keys(settings(**pointed_at(vendor, unreachable))) == []
    assert "key check did not complete" in caplog.text
    assert KEY not in caplog.text
