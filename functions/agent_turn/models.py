"""Which chat model answers a session's turns: the session's choice (else the configured
provider, else the offline model) leading a fallback chain that always ends in the offline
model; the router's LLM classifier for that chain (none offline); and the words the monitor
keeps about where a turn went and who answered it."""

from __future__ import annotations

from datetime import date

from langchain_core.language_models import BaseChatModel

from functions.agent_turn.agent.routing import Classifier
from functions.agent_turn.agent.rules_model import RulesChatModel
from functions.agent_turn.agent.runner import AgentOutcome
from functions.agent_turn.llm.classifier import classifier
from functions.agent_turn.llm.fallback import fallback_chat_model
from functions.agent_turn.llm.providers import choose
from shared.session_store import Session
from shared.settings import AgentSettings


def model_chain(settings: AgentSettings | None, session: Session | None) -> tuple[str, ...]:
    if settings is None:
        return ("rules",)
    return tuple(choose(session.llm_provider if session else None, None, settings))


def chat_model_for(
    chain: tuple[str, ...], settings: AgentSettings | None, today: date | None
) -> BaseChatModel:
    rules = RulesChatModel(today=today)
    if chain == ("rules",) or settings is None:
        return rules  # the offline model alone: no wrapper on the default path
    return fallback_chat_model(chain, settings, models={"rules": rules})  # type: ignore[arg-type]


def classifier_for(chain: tuple[str, ...], settings: AgentSettings | None) -> Classifier | None:
    """What the router asks when nothing else placed a turn: the chain's lead cloud model, on
    a short budget of its own; None for the offline chain (those turns go to ``general``)."""
    return classifier(chain, settings)


def route_and_model(outcome: AgentOutcome) -> str:
    said = f"domain {outcome.domain}, routed by {outcome.routed_by}"
    answered = outcome.answered
    if answered is None:
        return f"{said}; answered by rules"
    passed = "; ".join(f"{f.provider}: {f.reason}" for f in answered.fallbacks)
    return f"{said}; answered by {answered.provider} {answered.model}" + (
        f" after {passed}" if passed else ""
    )
