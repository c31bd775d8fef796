"""The rules model's understanding: a deterministic intent-and-slot parser.

It maps an utterance to the same tool calls an LLM would make, so the offline path runs through
the same graph and tools as the cloud models. This module is the entry point: it asks each
domain's parser in turn (productivity_intents: todos, reminders, calendar and teams;
hanok_intents: Hanok Table's reservations; transfer_intents: a person), after small_talk's
refusals (another person's data, SQL, our instructions, medical advice). What none of them
understands is None; the rules model then tries small_talk.chat (hello, thanks, what can you
do, goodbye) before its fallback.
"""

from __future__ import annotations

from datetime import date, datetime

from functions.agent_turn.agent import (
    clinic_intents,
    hanok_intents,
    healthcare_intents,
    mortgage_intents,
    productivity_intents,
    small_talk,
    transfer_intents,
)
from functions.agent_turn.agent.dialogue import Answer, Context, Intent, Result

__all__ = ["Answer", "Context", "Intent", "after_lookup", "parse"]


def parse(
    utterance: str, today: date, context: Context | None = None, now: datetime | None = None
) -> Intent | Answer | None:
    """What the utterance asks for: a tool call, a question back, or None (not understood).
    ``context`` is what the previous turn left, for follow-ups ("yes, cancel it"); ``now``
    the caller's current time, for "in two hours" (unknown: the current time of day)."""
    context = context or Context()
    if context.asked and context.asked[-1][1] in clinic_intents.NAME_QUESTIONS:
        # A request said in answer to "what's your name?" is a request, never a name.
        alone = parse(utterance, today, context.without_questions(), now)
        if alone is not None:
            return alone
    return (
        small_talk.refusal(utterance, today, context)
        or mortgage_intents.specific(utterance, today, context)
        or healthcare_intents.specific(utterance, today, context)
        or productivity_intents.parse(utterance, today, context, now)
        or mortgage_intents.parse(utterance, today, context)
        or healthcare_intents.parse(utterance, today, context)
        or hanok_intents.parse(utterance, today, context)
        or transfer_intents.parse(utterance, today, context)
    )


def after_lookup(asked: Answer, said: str, tool: str, result: Result) -> Intent | None:
    """What a question's lookup (``asked.lookup``, e.g. the caller's profile) answered for the
    caller: the request completed from its result, or None (the question is asked after all)."""
    if tool != asked.lookup or not result.get("ok", True):
        return None
    if asked.tool == "onboard_patient":
        return clinic_intents.after_lookup(said, result)
    return None
