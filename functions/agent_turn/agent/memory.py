"""A session's conversation as it is kept between turns: bounded, with what falls off the old
end folded into a short summary so the agent still knows what was asked and done.

    history = from_store(store.load_memory(session, user))
    ... the turn runs ...
    store.save_memory(session, user, to_store(bounded(outcome.history, max_messages)))

The summary is one ``SystemMessage`` at the head of the history (marked ``SUMMARY_KEY``); the
graph folds it into the domain's system prompt, so every provider sees one system prompt. It
is written from the dropped messages themselves, not by a model: no extra model call on any
turn, the same words for every provider, and nothing the caller did not say or hear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    messages_from_dict,
    messages_to_dict,
)

from functions.agent_turn.agent.content import text_of

SUMMARY_KEY = "convonet_summary"
SUMMARY_MAX_CHARS = 1500  # the newest of the older lines are kept within this
_LINE_MAX_CHARS = 200
_HEADING = "Earlier in this conversation (older turns, summarised):"


def from_store(raw: list[dict[str, Any]]) -> list[BaseMessage]:
    return list(messages_from_dict(raw))


def to_store(messages: list[BaseMessage]) -> list[dict[str, Any]]:
    return list(messages_to_dict(messages))


def summary_of(messages: Sequence[BaseMessage]) -> SystemMessage | None:
    """The summary at the head of ``messages``, if there is one."""
    if messages and is_summary(messages[0]):
        return messages[0]  # type: ignore[return-value]
    return None


def is_summary(message: BaseMessage) -> bool:
    return isinstance(message, SystemMessage) and bool(message.additional_kwargs.get(SUMMARY_KEY))


def bounded(messages: list[BaseMessage], max_messages: int) -> list[BaseMessage]:
    """At most ``max_messages`` messages besides the summary: the newest, starting at a human
    turn so no tool result is orphaned; what is dropped joins the summary."""
    summary = summary_of(messages)
    body = messages[1:] if summary is not None else messages
    if len(body) <= max_messages:
        return messages
    kept = _newest_turns(body, max_messages)
    dropped = body[: len(body) - len(kept)]
    earlier = _lines(text_of(summary.content)) if summary is not None else []
    lines = _fit([*earlier, *(_line(m) for m in dropped if _line(m))])
    if not lines:
        return kept
    content = "\n".join([_HEADING, *lines])
    return [SystemMessage(content=content, additional_kwargs={SUMMARY_KEY: True}), *kept]


def _newest_turns(body: list[BaseMessage], max_messages: int) -> list[BaseMessage]:
    tail = body[-max_messages:] if max_messages > 0 else []
    for i, message in enumerate(tail):
        if isinstance(message, HumanMessage):
            return tail[i:]
    return []


def _line(message: BaseMessage) -> str:
    """One summary line for a message the caller said or heard (tool rounds leave no line:
    what they did is in the reply that followed)."""
    said = " ".join(text_of(message.content).split())
    if not said:
        return ""
    if isinstance(message, HumanMessage):
        who = "Caller"
    elif isinstance(message, AIMessage) and not message.tool_calls:
        who = "You"
    else:
        return ""
    if len(said) > _LINE_MAX_CHARS:
        said = said[: _LINE_MAX_CHARS - 1].rstrip() + "…"
    return f"- {who}: {said}"


def _lines(summary: str) -> list[str]:
    return [line for line in summary.splitlines() if line.startswith("- ")]


def _fit(lines: list[str]) -> list[str]:
    """The newest lines whose total length stays within ``SUMMARY_MAX_CHARS``."""
    kept: list[str] = []
    total = len(_HEADING)
    for line in reversed(lines):
        total += len(line) + 1
        if total > SUMMARY_MAX_CHARS:
            break
        kept.append(line)
    return kept[::-1]


INTERRUPTED = "[the caller cut in here]"


def cut_to_heard(
    messages: list[BaseMessage], pieces: Sequence[str], heard: int
) -> list[BaseMessage]:
    """``messages`` with the last reply cut to the ``heard`` pieces the caller heard begin
    before they cut in, and marked so: the agent then knows what was said, not what it wrote."""
    if not messages or not isinstance(messages[-1], AIMessage) or messages[-1].tool_calls:
        return messages
    said = " ".join(p for p in pieces[:heard] if p)
    cut = AIMessage(
        content=f"{said} {INTERRUPTED}".strip(),
        additional_kwargs=messages[-1].additional_kwargs,
    )
    return [*messages[:-1], cut]
