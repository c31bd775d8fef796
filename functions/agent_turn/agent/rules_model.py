"""The offline model: a chat model that needs no network and no keys.

It reads the last human message with the intent parser (and what the previous turn left, for
follow-ups) and answers with a tool call or a question (or small talk: small_talk), then turns
the tool results into a spoken reply (productivity_replies, hanok_replies, transfer_intents).
It speaks LangChain's chat-model interface, so the graph treats it exactly like Claude, GPT or
Gemini.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
            return AIMessage(content=self._reply_from_tools(messages))
        if isinstance(last, HumanMessage):
            today = self.today or datetime.now(UTC).date()
            now = self.now or (None if self.today else datetime.now(UTC).replace(tzinfo=None))
            said = str(last.content)
            understood = intents.parse(said, today, context_of(messages), now)
            understood = understood or small_talk.chat(said, today)
            return self._act_on(understood, len(messages))
        return AIMessage(content=FALLBACK)

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
