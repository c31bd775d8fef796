"""Which domain a turn belongs to: fast rules first, the session's domain when they are unsure,
an LLM's classification only when there is one and nothing else decided.

1. The intent parser (the offline model's): a request it understands names its tool, and so
   its domain, with certainty — follow-ups included ("four, tomorrow at seven").
2. Words only one domain uses ("deductible", "reservation", "mortgage"); when they point
   elsewhere than the session's domain, the topic has changed.
3. The session's domain (sticky): "and over fifteen years?" stays with the mortgage.
4. An LLM classifier, if the turn's model can classify (``llm/classifier.py``): asked only
   when the three steps above decided nothing, and awaited, so its round trip does not block
   the event loop; else the general domain.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import BaseTool

from functions.agent_turn.agent import intents
from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.dialogue import Answer, Intent, context_of
from functions.agent_turn.agent.domains import DOMAINS, domain_of_tool

How = Literal["rules", "keywords", "sticky", "llm", "default"]
# The caller's words -> a domain's name, or None when it cannot tell. It must not raise.
Classifier = Callable[[str], Awaitable[str | None]]
DOMAIN_KEY = "convonet_domain"  # on the reply's additional_kwargs: what the next turn sticks to

_WORDS: dict[str, re.Pattern[str]] = {
    "hanok": re.compile(
        r"\b(?:hanok|restaurant|reservations?|reserve|table for|menu|dish(?:es)?|vegan|"
        r"vegetarian|gluten|dinner|lunch|brunch|makgeolli|bibimbap|galbi|wait ?list|"
        r"booking|booked|party of|group of)\b"
    ),
    # "pre-approved" alone is also said of a medical procedure: only a loan's counts.
    "mortgage": re.compile(
        r"\b(?:mortgage|(?:home )?loan|refinanc\w*|interest rate|down payment|"
        r"debt[- ]to[- ]income|dti|pre-?approval for a (?:loan|mortgage|home)|closing costs?|"
        r"amortiz\w*|escrow|w-?2s?|pay ?stubs?|credit score|paperwork|bank statements?|"
        r"tax returns?)\b"
    ),
    "healthcare": re.compile(
        r"\b(?:deductible|claims?|coverage|covered|co-?pays?|coinsurance|prior auth\w*|"
        r"authori[sz]ation|in-network|network|doctor|dermatologist|specialist|clinic|"
        r"patient|symptoms?|prescriptions?|insurance|benefits?|mri|physical therapy|"
        r"health plan|out of pocket|x-?rays?|ct scan|colonoscopy|screening|wellness|"
        r"pediatrician|cardiologist)\b"
    ),
    "productivity": re.compile(
        r"\b(?:todos?|to-dos?|to do list|tasks?|remind(?:er|ers)?|calendar|diary|meetings?|"
        r"agenda|teams?|schedule|events?)\b"
    ),
}


@dataclass(frozen=True)
class Route:
    domain: str
    how: How


def previous_domain(history: Sequence[BaseMessage]) -> str | None:
    for message in reversed(history):
        if isinstance(message, AIMessage) and message.additional_kwargs.get(DOMAIN_KEY):
            return str(message.additional_kwargs[DOMAIN_KEY])
    return None


def by_keywords(text: str) -> str | None:
    """The one domain whose words the text uses most, if one clearly leads."""
    counts = {name: len(p.findall(text.lower())) for name, p in _WORDS.items()}
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top and top > second else None


class Router:
    def __init__(
        self,
        tools: Sequence[BaseTool],
        today: date | None = None,
        classify: Classifier | None = None,
    ):
        self.tools = tools
        self.today = today
        self.classify = classify

    async def route(self, messages: Sequence[BaseMessage]) -> Route:
        if not messages or not isinstance(messages[-1], HumanMessage):
            return Route("general", "default")
        if decided := self.by_rules(messages):
            return decided
        text = text_of(messages[-1].content)
        if self.classify is not None and (chosen := await self.classify(text)) in DOMAINS:
            return Route(str(chosen), "llm")
        return Route("general", "default")

    def by_rules(self, messages: Sequence[BaseMessage]) -> Route | None:
        """Steps 1 to 3 (the parser, the words, the session's domain), or None."""
        text = text_of(messages[-1].content)
        today = self.today or datetime.now(UTC).date()
        understood = intents.parse(text, today, context_of(messages))
        if isinstance(understood, Intent | Answer) and understood.tool:
            domain = domain_of_tool(understood.tool, self.tools)
            if domain:
                return Route(domain, "rules")
        if worded := by_keywords(text):
            return Route(worded, "keywords")
        if sticky := previous_domain(messages[:-1]):
            return Route(sticky, "sticky")
        return None
