"""The offline model: a chat model that needs no network and no keys.

It reads the last human message with the intent parser (and what the previous turn left, for
follow-ups) and answers with a tool call or a question (or small talk: small_talk), then turns
the tool results into a spoken reply (productivity_replies, hanok_replies, transfer_intents).
It speaks LangChain's chat-model interface, so the graph treats it exactly like Claude, GPT or
Gemini.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from functions.agent_turn.agent import (
    hanok_replies,
    healthcare_replies,
    intents,
    mortgage_replies,
    productivity_replies,
    small_talk,
    transfer_intents,
)
from functions.agent_turn.agent.dialogue import (
    LOOKUPS,
    Answer,
    Intent,
    context_of,
    read_result,
    tool_calls_by_id,
)
from functions.agent_turn.agent.hanok_intents import TOOLS as HANOK_TOOLS

FALLBACK = small_talk.FALLBACK
REPLIES: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    **productivity_replies.REPLIES,
    **mortgage_replies.REPLIES,
    **healthcare_replies.REPLIES,
    **hanok_replies.REPLIES,
    **transfer_intents.REPLIES,
}
UNAVAILABLE: dict[str, str] = {
    **productivity_replies.UNAVAILABLE,
    **mortgage_replies.UNAVAILABLE,
    **healthcare_replies.UNAVAILABLE,
    **hanok_replies.UNAVAILABLE,
    **transfer_intents.UNAVAILABLE,
}
SOMETHING_BROKE = "Sorry, I couldn't do that just now."
TRY_AGAIN = "Please try again in a moment."
NOT_REACHABLE = f"{hanok_replies.NOT_REACHABLE} {TRY_AGAIN}"


def _apology(tool_name: str, result: dict[str, Any]) -> str:
    error = result.get("error")
    if result.get("reason", "refused") == "refused" and isinstance(error, str) and error:
        # A refusal's reason is written for the caller ("the todo needs a title").
        reason = error.strip().rstrip(".")
        return f"Sorry, I couldn't do that: {reason}{'' if reason.endswith(('?', '!')) else '.'}"
    return f"{UNAVAILABLE.get(tool_name, SOMETHING_BROKE)} {TRY_AGAIN}"


class RulesChatModel(BaseChatModel):
    """Deterministic intent-and-slot model. ``today`` is fixed in tests, else the current date;
    ``now`` (the caller's local time, for "in two hours") likewise, else the current time."""

    tool_names: tuple[str, ...] = ()
    today: date | None = None
    now: datetime | None = None

    @property
    def _llm_type(self) -> str:
        return "convonet-rules"

    def bind_tools(
        self, tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool], **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        names = tuple(t.name for t in tools if isinstance(t, BaseTool))
        return self.model_copy(update={"tool_names": names})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Microseconds of pure work: answered on the event loop, not handed to a thread.
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages))])

    def _respond(self, messages: list[BaseMessage]) -> AIMessage:
        # The domain's system prompt is for LLMs; the parser reads the conversation only.
        messages = [m for m in messages if not isinstance(m, SystemMessage)]
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage):
            looked_up = self._after_lookup(messages, last)
            if looked_up is not None:
                return self._act_on(looked_up, len(messages))
            return AIMessage(content=self._reply_from_tools(messages))
        if isinstance(last, HumanMessage):
            understood = self._understand(messages)
            return self._act_on(
                understood or small_talk.chat(str(last.content), self._today()), len(messages)
            )
        return AIMessage(content=FALLBACK)

    def _today(self) -> date:
        return self.today or datetime.now(UTC).date()

    def _understand(self, messages: Sequence[BaseMessage]) -> Intent | Answer | None:
        """The parse of the last message, a human one, with what the turns before it left."""
        now = self.now or (None if self.today else datetime.now(UTC).replace(tzinfo=None))
        said = str(messages[-1].content)
        return intents.parse(said, self._today(), context_of(messages), now)

    def _after_lookup(
        self, messages: list[BaseMessage], last: ToolMessage
    ) -> Intent | Answer | None:
        """After a lookup made to answer our own question (the caller's name, from their
        profile): the request it completes, or the question after all. None: not a lookup."""
        if last.name not in LOOKUPS:
            return None
        turn = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        asked = self._understand(messages[: turn + 1])
        if not isinstance(asked, Answer) or asked.lookup != last.name:
            return None
        said = str(messages[turn].content)
        done = intents.after_lookup(asked, said, last.name, read_result(last))
        return done or replace(asked, lookup=None)  # asked once: never looked up again

    def _act_on(self, understood: Intent | Answer | None, ordinal: int) -> AIMessage:
        if understood is None:
            return AIMessage(content=FALLBACK)
        if isinstance(understood, small_talk.Said):  # needs no tool; a closing ends the call
            ends = {"ends_call": True} if understood.ends_call else {}
            return AIMessage(content=understood.text, additional_kwargs=ends)
        if understood.tool not in self.tool_names:
            # Hanok Table's server out of reach this turn: say so, rather than "didn't catch".
            unbound = NOT_REACHABLE if understood.tool in HANOK_TOOLS else FALLBACK
            return AIMessage(content=unbound)
        if isinstance(understood, Answer):
            if understood.lookup in self.tool_names:  # its answer may be on record: look first
                call = {"name": understood.lookup, "args": {}, "id": f"rules-{ordinal}"}
                return AIMessage(content="", tool_calls=[call])
            return AIMessage(content=understood.text)
        call = {"name": understood.tool, "args": understood.args, "id": f"rules-{ordinal}"}
        return AIMessage(content="", tool_calls=[call])

    def _reply_from_tools(self, messages: list[BaseMessage]) -> str:
        calls = tool_calls_by_id(messages)
        sentences = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            name, args = calls.get(message.tool_call_id, (message.name or "", {}))
            result = read_result(message)
            if not result.get("ok"):
                sentences.append(_apology(name, result))
            elif name in REPLIES:
                sentences.append(REPLIES[name](result, args))
        return " ".join(reversed(sentences)) or FALLBACK
