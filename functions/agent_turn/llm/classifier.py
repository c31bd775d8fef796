"""The router's last resort: ask the turn's cloud model which domain the caller's words are in.

    classify = classifier(chain, settings)     # None when the chain leads with the offline model
    await classify("my knee has hurt since I fell")   # "healthcare", or None

The router asks only when the parser, the domain words and the session's domain all decided
nothing (``agent/routing.py``), so most turns never pay for it. It asks the chain's lead
provider alone, without tools and without streaming, with a prompt of a few lines (the domains
of ``agent/domains.py`` and what each is for) and a budget of its own
(``CLASSIFY_TIMEOUT_SECONDS``): a caller is waiting, and the turn's model has not started yet.
Anything odd (an error, a timeout, a word that is not a domain) answers None, so the turn goes
to ``general``; it never fails the turn. Offline (a chain of ``rules`` alone) there is none.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from functions.agent_turn.agent.content import text_of
from functions.agent_turn.agent.domains import DOMAINS
from functions.agent_turn.agent.routing import Classifier
from functions.agent_turn.llm.errors import describe
from functions.agent_turn.llm.fallback import NOSTREAM
from functions.agent_turn.llm.providers import OFFLINE, PROVIDERS, chat_model
from shared.settings import AgentSettings

log = logging.getLogger(__name__)

CLASSIFY_TIMEOUT_SECONDS = 1.5
MAX_TEXT_CHARS = 500  # what the caller said, at most, in the question
# The classifier's own run: no callbacks (the turn's tool recorder, filler and token streaming
# are not for it) and LangGraph's tag for a run it must not stream as messages.
_CONFIG: RunnableConfig = {"callbacks": [], "tags": [NOSTREAM], "run_name": "classify"}


def prompt() -> str:
    domains = "\n".join(f"- {d.name}: {d.summary}" for d in DOMAINS.values())
    return (
        "You route a caller's words to one department of a voice front desk:\n"
        f"{domains}\n"
        "Answer with the department's name only, one word."
    )


def domain_in(answer: str) -> str | None:
    """The domain an answer names: its first word, if that is one ("Healthcare." is)."""
    word = re.match(r"\W*(\w+)", answer.lower())
    return word.group(1) if word and word.group(1) in DOMAINS else None


class LlmClassifier:
    """Asks ``model`` (built for this, with its own request timeout) and waits ``timeout``."""

    def __init__(self, model: BaseChatModel, provider: str, timeout: float):
        self.model = model
        self.provider = provider
        self.timeout = timeout
        self._system = SystemMessage(prompt())

    async def __call__(self, text: str) -> str | None:
        said = text.strip()[:MAX_TEXT_CHARS]
        if not said:
            return None
        question = [self._system, HumanMessage(said)]
        try:
            answer = await asyncio.wait_for(self.model.ainvoke(question, _CONFIG), self.timeout)
        except TimeoutError:
            log.warning("%s classifier: no answer within %.3gs", self.provider, self.timeout)
            return None
        except Exception as exc:  # the turn goes on to "general"
            log.warning("%s classifier failed: %s", self.provider, describe(exc))
            return None
        chosen = domain_in(text_of(answer.content))
        if chosen is None:
            log.info("%s classifier named no domain", self.provider)
        return chosen


def classifier(
    chain: Sequence[str],
    settings: AgentSettings | None,
    *,
    timeout: float = CLASSIFY_TIMEOUT_SECONDS,
) -> Classifier | None:
    """A classifier on the chain's lead provider when that is a cloud one, else None."""
    lead = chain[0] if chain else OFFLINE
    if settings is None or lead == OFFLINE or lead not in PROVIDERS:
        return None
    budget = min(timeout, settings.llm_timeout_seconds)
    try:
        model = chat_model(lead, settings, timeout=budget, streaming=False)
    except Exception as exc:  # routing goes on without it
        log.warning("%s classifier not available: %s", lead, describe(exc))
        return None
    return LlmClassifier(model, lead, budget)
