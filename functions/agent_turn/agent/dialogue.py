"""What the rules model understands an utterance as, and what the previous turn left that a
follow-up ("yes, cancel it", "how about Saturday", "tomorrow at seven") may refer to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from functions.agent_turn.agent.content import text_of

Args = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class Intent:
    """A tool call, as an LLM would make it."""

    tool: str
    args: Args = field(default_factory=dict)


# Tools the rules model reads only to answer its own question from (the caller's name, from
# their profile): a question asked after them is still a question, answered next turn.
LOOKUPS = frozenset({"get_my_profile"})


@dataclass(frozen=True)
class Answer:
    """A reply without a tool call: a question for what a call of ``tool`` still lacks, or an
    answer to a follow-up that needs no call. ``lookup``: a tool (one of LOOKUPS) whose result
    may answer the question instead of the caller (the name on their profile)."""

    text: str
    tool: str
    lookup: str | None = None


@dataclass(frozen=True)
class Context:
    """What the previous turns left: the last tool called (with its arguments and result) and,
    when the turns since were answered with our questions, what was said and the question it
    got, oldest first."""

    tool: str | None = None
    args: Args = field(default_factory=dict)
    result: Result = field(default_factory=dict)
    asked: tuple[tuple[str, str], ...] = ()  # (what the caller said, the question we asked)

    def without_questions(self) -> Context:
        return replace(self, asked=())

    def reservation_code(self) -> str | None:
        """The code of the one reservation the previous turn spoke of, if it spoke of one."""
        reservation = self.result.get("reservation")
        found = self.result.get("reservations")
        if not isinstance(reservation, dict) and isinstance(found, list) and len(found) == 1:
            reservation = found[0]
        code = reservation.get("code") if isinstance(reservation, dict) else None
        return code if isinstance(code, str) and code else None


def read_result(message: ToolMessage) -> Result:
    """The tool's JSON result. Anything else (a tool node's error text) is a failure whose
    text is not meant for the caller."""
    try:
        result = json.loads(text_of(message.content))
    except json.JSONDecodeError:
        result = None
    return result if isinstance(result, dict) else {"ok": False, "reason": "unavailable"}


def tool_calls_by_id(messages: Sequence[BaseMessage]) -> dict[str, tuple[str, Args]]:
    calls: dict[str, tuple[str, Args]] = {}
    for message in messages:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                calls[str(call["id"])] = (call["name"], dict(call["args"]))
    return calls


def context_of(messages: Sequence[BaseMessage]) -> Context:
    """What the turns before the last human message left (empty if nothing useful): up to
    three rounds of our questions and their answers, and the tool call before them."""
    asked: list[tuple[str, str]] = []
    i = len(messages) - 2  # the previous turn's reply
    while len(asked) < 3 and (said := _asked_by(messages, i)) is not None:
        asked.insert(0, (text_of(messages[said].content), text_of(messages[i].content)))
        i = said - 1
    return replace(_tool_context(messages, i), asked=tuple(asked))


def _asked_by(messages: Sequence[BaseMessage], i: int) -> int | None:
    """The index of the caller's message that ``messages[i]``, a question of ours, answered:
    the message just before it, or the one before the lookups made to ask it. None: not a
    question of ours."""
    reply = messages[i] if 1 <= i < len(messages) else None
    if not (
        isinstance(reply, AIMessage)
        and not reply.tool_calls
        and text_of(reply.content).endswith("?")
    ):
        return None
    j = i - 1
    while j >= 1 and isinstance(messages[j], ToolMessage) and messages[j].name in LOOKUPS:
        j -= 1
        while j >= 1 and isinstance(messages[j], ToolMessage) and messages[j].name in LOOKUPS:
            j -= 1
        call = messages[j]
        if not (
            isinstance(call, AIMessage)
            and call.tool_calls
            and all(c["name"] in LOOKUPS for c in call.tool_calls)
        ):
            return None
        j -= 1
    return j if j >= 0 and isinstance(messages[j], HumanMessage) else None


def _tool_context(messages: Sequence[BaseMessage], i: int) -> Context:
    """The tool call answered by ``messages[i]``, a reply that followed a tool result."""
    reply = messages[i] if i >= 1 else None
    if not isinstance(reply, AIMessage) or reply.tool_calls:
        return Context()
    before = messages[i - 1]
    if not isinstance(before, ToolMessage):
        return Context()
    name, args = tool_calls_by_id(messages).get(before.tool_call_id, (before.name or "", {}))
    return Context(tool=name, args=args, result=read_result(before))
