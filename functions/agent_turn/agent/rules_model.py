"""The offline model: a chat model that needs no network and no keys.

It reads the last human message with the intent parser and answers with tool calls, then turns
the tool results into a spoken reply. It speaks LangChain's chat-model interface, so the graph
treats it exactly like Claude, GPT or Gemini.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from functions.agent_turn.agent import intents
from functions.agent_turn.agent.content import text_of

FALLBACK = (
    "Sorry, I didn't catch a request I can help with. You can say things like "
    "add a todo to buy milk, or what are my todos."
)


def _say_date(iso: str | None) -> str:
    if not iso:
        return ""
    day = date.fromisoformat(iso)
    return f" for {day.strftime('%A, %B')} {day.day}"


def _reply_add(result: dict[str, Any]) -> str:
    todo = result["todo"]
    return f"Okay, I added {todo['title']} to your todo list{_say_date(todo.get('due_date'))}."


def _reply_list(result: dict[str, Any]) -> str:
    todos = result["todos"]
    if not todos:
        return "Your todo list is empty."
    items = [t["title"] + _say_date(t.get("due_date")) for t in todos]
    if len(items) == 1:
        return f"You have one todo: {items[0]}."
    return f"You have {len(items)} todos: " + "; ".join(items[:-1]) + f"; and {items[-1]}."


def _reply_complete(result: dict[str, Any]) -> str:
    return f"Done. I marked {result['todo']['title']} as complete."


REPLIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "add_todo": _reply_add,
    "list_todos": _reply_list,
    "complete_todo": _reply_complete,
}
# What the caller hears when a tool broke on our side; the detail is in the log, not here.
UNAVAILABLE: dict[str, str] = {
    "add_todo": "Sorry, I couldn't save that todo just now.",
    "list_todos": "Sorry, I couldn't read your todo list just now.",
    "complete_todo": "Sorry, I couldn't update your todo list just now.",
}
SOMETHING_BROKE = "Sorry, I couldn't do that just now."
TRY_AGAIN = "Please try again in a moment."


def _read_result(message: ToolMessage) -> dict[str, Any]:
    """The tool's JSON result. Anything else (a tool node's error text) is a failure whose
    text is not meant for the caller."""
    try:
        result = json.loads(text_of(message.content))
    except json.JSONDecodeError:
        result = None
    return result if isinstance(result, dict) else {"ok": False, "reason": "unavailable"}


def _apology(tool_name: str, result: dict[str, Any]) -> str:
    error = result.get("error")
    if result.get("reason", "refused") == "refused" and isinstance(error, str) and error:
        # A refusal's reason is written for the caller ("the todo needs a title").
        return f"Sorry, I couldn't do that: {error.rstrip('.')}."
    return f"{UNAVAILABLE.get(tool_name, SOMETHING_BROKE)} {TRY_AGAIN}"


class RulesChatModel(BaseChatModel):
    """Deterministic intent-and-slot model. ``today`` is fixed in tests, else the current date."""

    tool_names: tuple[str, ...] = ()
    today: date | None = None

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
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage):
            return AIMessage(content=self._reply_from_tools(messages))
        if isinstance(last, HumanMessage):
            today = self.today or datetime.now(UTC).date()
            intent = intents.parse(str(last.content), today)
            if intent and intent.tool in self.tool_names:
                call_id = f"rules-{len(messages)}"
                return AIMessage(
                    content="",
                    tool_calls=[{"name": intent.tool, "args": intent.args, "id": call_id}],
                )
        return AIMessage(content=FALLBACK)

    def _reply_from_tools(self, messages: list[BaseMessage]) -> str:
        calls = {}
        for message in messages:
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    calls[call["id"]] = call["name"]
        sentences = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            name = calls.get(message.tool_call_id, message.name or "")
            result = _read_result(message)
            if not result.get("ok"):
                sentences.append(_apology(name, result))
            elif name in REPLIES:
                sentences.append(REPLIES[name](result))
        return " ".join(reversed(sentences)) or FALLBACK
