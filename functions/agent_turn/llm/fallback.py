"""One chat model that tries each provider of a chain in turn, within a single call.

    model = fallback_chat_model(choose(session, user, settings), settings)
    bound = model.bind_tools(tools)            # binds every provider's model
    async for chunk in bound.astream(messages): ...
    answered_of(message)  # Answered(provider="openai", model=..., fallbacks=[Fallback(...)])

A provider is passed over when it raises (HTTP 500, 429, a refused key, a broken connection)
or is too slow: no first token within ``first_token_timeout_seconds`` or no whole answer within
``timeout_seconds``. Who answered, and why each earlier provider did not, rides on the first
chunk's ``response_metadata[ANSWERED_KEY]`` (so on the merged message too); ``answered_of``
reads it back for the monitor.

Falling back happens only before the first chunk is emitted. After that the caller has already
streamed (and perhaps spoken) the first provider's words, and a second provider would answer
from the start: splicing its words onto the first's half sentence, or its tool-call fragments
onto the first's, would produce a reply nobody wrote. So a failure mid-stream raises
``FailedMidStream`` and the turn fails honestly. When every provider fails the call raises
``AllProvidersFailed`` with the reasons.

``astream``/``ainvoke`` are the intended path. ``stream``/``invoke`` work too (each provider is
pumped in a helper thread so the timeouts hold); a provider abandoned by a timeout finishes in
the background when its SDK request timeout expires.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.chat_models import agenerate_from_stream, generate_from_stream
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from pydantic import ConfigDict

from functions.agent_turn.llm.errors import describe
from functions.agent_turn.llm.providers import ProviderId, chat_model, model_name
from shared.settings import AgentSettings

log = logging.getLogger(__name__)

ANSWERED_KEY = "convonet_answered"
# LangGraph's tag for runs it must not stream as messages: the wrapper streams them once.
NOSTREAM = "nostream"


@dataclass(frozen=True)
class Fallback:
    provider: str
    reason: str


@dataclass(frozen=True)
class Answered:
    provider: str
    model: str
    fallbacks: list[Fallback] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Answered:
        fallbacks = [Fallback(str(f["provider"]), str(f["reason"])) for f in raw["fallbacks"]]
        return cls(str(raw["provider"]), str(raw["model"]), fallbacks)


def answered_of(message: BaseMessage) -> Answered | None:
    raw = message.response_metadata.get(ANSWERED_KEY)
    return Answered.from_dict(raw) if isinstance(raw, dict) else None


def _summary(fallbacks: Sequence[Fallback]) -> str:
    return "; ".join(f"{f.provider}: {f.reason}" for f in fallbacks)


class AllProvidersFailed(RuntimeError):
    def __init__(self, fallbacks: list[Fallback]):
        super().__init__("no language model answered: " + (_summary(fallbacks) or "none tried"))
        self.fallbacks = fallbacks


class FailedMidStream(RuntimeError):
    """The answering provider failed after its first chunk was emitted (see the module doc)."""

    def __init__(self, answered: Answered, reason: str):
        super().__init__(f"{answered.provider} failed mid-answer: {reason}")
        self.answered = answered
        self.reason = reason


class _Failed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Candidate:
    provider: str
    model: str
    chat: BaseChatModel
    bound: Runnable[LanguageModelInput, BaseMessage] | None = None

    @property
    def runnable(self) -> Runnable[LanguageModelInput, BaseMessage]:
        return self.bound if self.bound is not None else self.chat


def _as_chunk(message: BaseMessage) -> BaseMessageChunk:
    if isinstance(message, BaseMessageChunk):
        return message
    if isinstance(message, AIMessage):  # a model without streaming yields its whole answer
        return AIMessageChunk(
            content=message.content,
            additional_kwargs=message.additional_kwargs,
            response_metadata=message.response_metadata,
            id=message.id,
            tool_call_chunks=[
                {"name": c["name"], "args": _json(c["args"]), "id": c["id"], "index": i}
                for i, c in enumerate(message.tool_calls)
            ],
            usage_metadata=message.usage_metadata,
        )
    raise TypeError(f"a chat model streamed a {type(message).__name__}")


def _json(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args)


def _tagged(chunk: BaseMessageChunk, answered: Answered) -> ChatGenerationChunk:
    metadata = {**chunk.response_metadata, ANSWERED_KEY: answered.as_dict()}
    return ChatGenerationChunk(message=chunk.model_copy(update={"response_metadata": metadata}))


class FallbackChatModel(BaseChatModel):
    """Tries ``candidates`` in order; see the module docstring."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    candidates: tuple[Candidate, ...]
    first_token_timeout_seconds: float = 5.0
    timeout_seconds: float = 15.0

    @property
    def _llm_type(self) -> str:
        return "convonet-fallback"

    @property
    def providers(self) -> list[str]:
        return [c.provider for c in self.candidates]

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        bound = tuple(replace(c, bound=c.chat.bind_tools(tools, **kwargs)) for c in self.candidates)
        return self.model_copy(update={"candidates": bound})

    def _first_wait(self) -> float:
        return min(self.first_token_timeout_seconds, self.timeout_seconds)

    @staticmethod
    def _config(run_manager: Any) -> RunnableConfig:
        # The wrapper's own run carries the callbacks (tokens, tracing). The inner run gets
        # none, not even those inherited from the graph node, so nothing streams twice.
        return {"callbacks": [], "tags": [NOSTREAM]}

    # async ---------------------------------------------------------------------------------

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        fallbacks: list[Fallback] = []
        for candidate in self.candidates:
            config = self._config(run_manager)
            stream = aiter(candidate.runnable.astream(messages, config, stop=stop, **kwargs))
            deadline = time.monotonic() + self.timeout_seconds
            try:
                first = await _afirst(stream, self._first_wait())
            except _Failed as failed:
                fallbacks.append(Fallback(candidate.provider, failed.reason))
                await _aclose(stream)
                continue
            answered = Answered(candidate.provider, candidate.model, list(fallbacks))
            async for chunk in _arest(stream, _tagged(first, answered), answered, deadline):
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            return
        raise AllProvidersFailed(fallbacks)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))

    # sync ----------------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        fallbacks: list[Fallback] = []
        for candidate in self.candidates:
            config = self._config(run_manager)
            pump = _Pump(partial(candidate.runnable.stream, messages, config, stop=stop, **kwargs))
            deadline = time.monotonic() + self.timeout_seconds
            try:
                first = pump.first(self._first_wait())
            except _Failed as failed:
                fallbacks.append(Fallback(candidate.provider, failed.reason))
                pump.abandon()
                continue
            answered = Answered(candidate.provider, candidate.model, list(fallbacks))
            for chunk in _rest(pump, _tagged(first, answered), answered, deadline):
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                yield chunk
            return
        raise AllProvidersFailed(fallbacks)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))


# async helpers ---------------------------------------------------------------------------------


async def _anext(stream: AsyncIterator[BaseMessage], seconds: float, what: str) -> BaseMessageChunk:
    """The next chunk within ``seconds``; a timeout, an error or the end becomes ``_Failed``."""
    try:
        return _as_chunk(await asyncio.wait_for(anext(stream), timeout=max(seconds, 0.0)))
    except TimeoutError as exc:
        raise _Failed(f"no {what} within {max(seconds, 0.0):.3g}s") from exc
    except StopAsyncIteration as exc:
        raise _Failed("the answer ended before any output") from exc
    except Exception as exc:
        raise _Failed(describe(exc)) from exc


def _has_output(chunk: BaseMessageChunk) -> bool:
    """Words or a tool call: a bare ``message_start`` (usage, ids) is not yet an answer."""
    return bool(chunk.text) or bool(getattr(chunk, "tool_call_chunks", None))


async def _afirst(stream: AsyncIterator[BaseMessage], seconds: float) -> BaseMessageChunk:
    """The chunks up to and including the first with output, merged, within ``seconds``."""
    deadline = time.monotonic() + seconds
    pending: BaseMessageChunk | None = None
    while True:
        try:
            chunk = await _anext(stream, deadline - time.monotonic(), "first token")
        except _Failed as failed:
            if pending is not None and isinstance(failed.__cause__, StopAsyncIteration):
                return pending
            raise
        pending = chunk if pending is None else pending + chunk
        if _has_output(chunk):
            return pending


async def _aclose(stream: AsyncIterator[BaseMessage]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        try:
            await closer()
        except Exception as exc:  # closing a failed stream must not mask its failure
            log.debug("closing an abandoned model stream failed: %s", type(exc).__name__)


async def _arest(
    stream: AsyncIterator[BaseMessage],
    first: ChatGenerationChunk,
    answered: Answered,
    deadline: float,
) -> AsyncIterator[ChatGenerationChunk]:
    yield first
    try:
        while True:
            try:
                chunk = await _anext(stream, deadline - time.monotonic(), "whole answer")
            except _Failed as failed:
                if isinstance(failed.__cause__, StopAsyncIteration):
                    return
                raise FailedMidStream(answered, failed.reason) from failed
            yield ChatGenerationChunk(message=chunk)
    finally:
        await _aclose(stream)


# sync helpers ----------------------------------------------------------------------------------

_END = object()


class _Pump:
    """Iterates a blocking stream in a daemon thread so the caller can wait with a timeout."""

    def __init__(self, open_stream: Callable[[], Iterator[BaseMessage]]):
        self._items: queue.Queue[tuple[object, BaseException | None]] = queue.Queue()
        self._abandoned = threading.Event()
        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(self._run, open_stream), daemon=True).start()

    def _run(self, open_stream: Callable[[], Iterator[BaseMessage]]) -> None:
        try:
            stream = open_stream()
            for item in stream:
                if self._abandoned.is_set():
                    close = getattr(stream, "close", None)
                    if close is not None:
                        close()
                    return
                self._items.put((item, None))
            self._items.put((_END, None))
        except BaseException as exc:
            self._items.put((None, exc))

    def next(self, seconds: float, what: str) -> BaseMessageChunk:
        wait = max(seconds, 0.0)
        try:
            item, error = self._items.get(timeout=wait)
        except queue.Empty as exc:
            raise _Failed(f"no {what} within {wait:.3g}s") from exc
        if error is not None:
            raise _Failed(describe(error)) from error
        if item is _END:
            raise _Failed("the answer ended before any output") from StopIteration()
        assert isinstance(item, BaseMessage)
        return _as_chunk(item)

    def first(self, seconds: float) -> BaseMessageChunk:
        """As ``_afirst``, from the pumped stream."""
        deadline = time.monotonic() + seconds
        pending: BaseMessageChunk | None = None
        while True:
            try:
                chunk = self.next(deadline - time.monotonic(), "first token")
            except _Failed as failed:
                if pending is not None and isinstance(failed.__cause__, StopIteration):
                    return pending
                raise
            pending = chunk if pending is None else pending + chunk
            if _has_output(chunk):
                return pending

    def abandon(self) -> None:
        self._abandoned.set()


def _rest(
    pump: _Pump, first: ChatGenerationChunk, answered: Answered, deadline: float
) -> Iterator[ChatGenerationChunk]:
    yield first
    try:
        while True:
            try:
                chunk = pump.next(deadline - time.monotonic(), "whole answer")
            except _Failed as failed:
                if isinstance(failed.__cause__, StopIteration):
                    return
                raise FailedMidStream(answered, failed.reason) from failed
            yield ChatGenerationChunk(message=chunk)
    finally:
        pump.abandon()


# building ----------------------------------------------------------------------------------------


def fallback_chat_model(
    chain: Sequence[ProviderId],
    settings: AgentSettings,
    *,
    models: dict[ProviderId, BaseChatModel] | None = None,
) -> FallbackChatModel:
    """The chain (from ``providers.choose``) as one chat model. ``models`` replaces the model
    built for a provider (the rules model with today's date, or a test double)."""
    given = models or {}
    candidates = tuple(
        Candidate(p, model_name(p, settings), given.get(p) or chat_model(p, settings))
        for p in chain
    )
    return FallbackChatModel(
        candidates=candidates,
        first_token_timeout_seconds=settings.llm_first_token_timeout_seconds,
        timeout_seconds=settings.llm_timeout_seconds,
    )
