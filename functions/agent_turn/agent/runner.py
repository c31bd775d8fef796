"""Run one agent turn: history in, reply sentences and a record of every tool call out."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
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
from functions.agent_turn.agent.turn_context import TurnContext, within_turn
from shared.contracts import ToolCallRecord

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_LIST_ITEM = re.compile(r"(?<=;)\s+")
_LEAD_IN = re.compile(r"^((?:\S+\s+){0,5}?\S+[,:])\s+(.+)$")
RECURSION_LIMIT = 12  # agent -> tools -> agent ... at most six tool rounds in one turn


def split_sentences(text: str) -> list[str]:
    """Speakable pieces, in order: sentences, list items ("a; b; c") apart, and the first
    sentence's lead-in clause ("Okay," or "You have two todos:") alone, so the first audio is
    ready after a few syllables of synthesis rather than a whole sentence."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        pieces.extend(p.strip() for p in _LIST_ITEM.split(sentence) if p.strip())
    if pieces:
        match = _LEAD_IN.match(pieces[0])
        if match and len(match.group(2).split()) >= 3:
            pieces[0:1] = [match.group(1), match.group(2)]
    return pieces


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
) -> AgentOutcome:
    """One turn of the graph, run to its end by ``run`` (the MCP toolbox's event loop: the
    tools are async and live on that loop's session)."""
    recorder = ToolRecorder()
    state = run(
        within_turn(
            context,
            graph.ainvoke(
                {"messages": [*history, HumanMessage(content=text)]},
                config={
                    "configurable": {"turn_context": context},
                    "callbacks": [recorder],
                    "recursion_limit": RECURSION_LIMIT,
                },
            ),
        )
    )
    messages: list[BaseMessage] = state["messages"]
    final = messages[-1]
    reply = text_of(final.content) if isinstance(final, AIMessage) else ""
    return AgentOutcome(reply, split_sentences(reply), recorder.records, messages)
