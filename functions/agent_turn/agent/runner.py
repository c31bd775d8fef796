"""Run one agent turn: history in, reply sentences and a record of every tool call out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    messages_from_dict,
    messages_to_dict,
)

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.speaker import Emit, Speaker
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from functions.agent_turn.llm.fallback import Answered, answered_of
from shared.contracts import ToolCallRecord

RECURSION_LIMIT = 12  # agent -> tools -> agent ... at most six tool rounds in one turn


class ToolRecorder(BaseCallbackHandler):
    """Records each tool call's arguments, outcome and timing for the monitor."""

    def __init__(self) -> None:
        self.records: list[ToolCallRecord] = []
        self._open: dict[UUID, tuple[str, dict[str, Any], float]] = {}

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
        args = {k: v for k, v in (inputs or {}).items() if k != "config"}
        self._open[run_id] = (name, args, time.time())

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, output, ok=True)

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._close(run_id, f"{type(error).__name__}: {error}", ok=False)

    def _close(self, run_id: UUID, output: Any, ok: bool) -> None:
        name, args, started = self._open.pop(run_id, ("tool", {}, time.time()))
        summary = text_of(getattr(output, "content", output))
        if ok:
            try:
                ok = bool(json.loads(summary).get("ok", True))
            except (json.JSONDecodeError, AttributeError):
                pass
        self.records.append(
            ToolCallRecord(
                call_id=str(run_id),
                name=name,
                arguments=args,
                ok=ok,
                result_summary=summary[:2000],
                started_at=started,
                ended_at=time.time(),
            )
        )


@dataclass
class AgentOutcome:
    reply: str
    sentences: list[str]
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    history: list[BaseMessage] = field(default_factory=list)
    domain: str = ""  # where the turn was routed, and how (routing.py)
    routed_by: str = ""
    answered: Answered | None = None  # which model answered, after which fallbacks


def trim_history(messages: list[BaseMessage], max_messages: int) -> list[BaseMessage]:
    """Keep the newest messages, starting at a human turn so no tool result is orphaned."""
    if len(messages) <= max_messages:
        return messages
    tail = messages[-max_messages:]
    for i, message in enumerate(tail):
        if isinstance(message, HumanMessage):
            return tail[i:]
    return []


def history_from_store(raw: list[dict[str, Any]]) -> list[BaseMessage]:
    return list(messages_from_dict(raw))


def history_to_store(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    return list(messages_to_dict(messages))


def run_turn(
    graph: Any,
    history: list[BaseMessage],
    text: str,
    context: TurnContext,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    on_piece: Emit | None = None,
) -> AgentOutcome:
    """One turn of the graph, run to its end by ``run`` (the MCP toolbox's event loop: the
    tools are async and live on that loop's session). With ``on_piece`` the reply is handed on
    piece by piece as the model streams it."""
    recorder = ToolRecorder()
    inputs = {"messages": [*history, HumanMessage(content=text)]}
    config = {
        "configurable": {"turn_context": context},
        "callbacks": [recorder],
        "recursion_limit": RECURSION_LIMIT,
    }
    speaker = Speaker(on_piece or (lambda piece, final: None))
    state = run(within_turn(context, _streamed(graph, inputs, config, speaker)))
    messages: list[BaseMessage] = state["messages"]
    final = messages[-1]
    reply = text_of(final.content) if isinstance(final, AIMessage) else ""
    return AgentOutcome(
        reply,
        speaker.spoken,
        recorder.records,
        messages,
        domain=state.get("domain", ""),
        routed_by=state.get("routed_by", ""),
        answered=_answered(messages),
    )


def _answered(messages: list[BaseMessage]) -> Answered | None:
    """Who wrote the turn's last answer, and every provider passed over on the way."""
    found = [a for m in messages if isinstance(m, AIMessage) and (a := answered_of(m))]
    if not found:
        return None
    passed_over = [f for a in found for f in a.fallbacks]
    return replace(found[-1], fallbacks=passed_over)


async def _streamed(
    graph: Any, inputs: dict[str, Any], config: dict[str, Any], speaker: Speaker
) -> dict[str, Any]:
    """The graph's final state; on the way, the text the agent writes goes to the speaker."""
    state: dict[str, Any] = {}
    async for mode, data in graph.astream(
        inputs, config=config, stream_mode=["messages", "values"]
    ):
        if mode == "values":
            state = data
            continue
        chunk, meta = data
        if meta.get("langgraph_node") == "agent" and isinstance(chunk, AIMessage):
            speaker.feed(text_of(chunk.content))
    speaker.finish()
    return state
