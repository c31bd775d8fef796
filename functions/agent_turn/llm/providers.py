"""Which language model answers a turn, and how each vendor's LangChain chat model is built.

    chain = choose(session_choice, user_choice, settings)   # e.g. ["anthropic", "openai", "rules"]
    model = chat_model("anthropic", settings)               # a streaming BaseChatModel

Every cloud model streams, times out after ``settings.llm_timeout_seconds`` and never retries
inside the SDK: a caller is waiting, so a failure moves to the next provider instead (see
``fallback``). A base URL setting points the real SDK at another server (a local fake in
tests; for OpenAI, any compatible server such as vLLM, Ollama or llama.cpp).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from shared.settings import AgentSettings, is_placeholder

ProviderId = Literal["anthropic", "openai", "gemini", "rules"]
PROVIDERS: tuple[ProviderId, ...] = get_args(ProviderId)
OFFLINE: ProviderId = "rules"
# An OpenAI-compatible server on a base URL (vLLM, Ollama) may need no key; the SDK needs one.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class ProviderSpec:
    id: ProviderId
    display_name: str
    default_model: str
    key_env: str  # the variable the key is read from ("" for the offline model)
    settings_fields: tuple[str, ...]  # the AgentSettings fields it reads
    chat_class: str = ""  # its LangChain chat model, "module:Class" ("" for the offline model)
    # The SDK's ``max_retries`` for one attempt and no retry.
    one_attempt: int = 0
    # Keyword arguments only this vendor's chat model takes.
    chat_kwargs: Mapping[str, Any] = field(default_factory=dict)


SPECS: dict[ProviderId, ProviderSpec] = {
    "anthropic": ProviderSpec(
        "anthropic",
        "Anthropic Claude",
        "claude-haiku-4-5",
        "ANTHROPIC_API_KEY",
        ("anthropic_api_key", "anthropic_base_url", "anthropic_model"),
        "langchain_anthropic:ChatAnthropic",
    ),
    "openai": ProviderSpec(
        "openai",
        "OpenAI (or a compatible server)",
        "gpt-4.1-mini",
        "OPENAI_API_KEY",
        ("openai_api_key", "openai_base_url", "openai_model"),
        "langchain_openai:ChatOpenAI",
        chat_kwargs={"stream_usage": True},  # token counts on the streamed answer too
    ),
    "gemini": ProviderSpec(
        "gemini",
        "Google Gemini",
        "gemini-2.5-flash",
        "GEMINI_API_KEY",
        ("gemini_api_key", "gemini_base_url", "gemini_model"),
        "langchain_google_genai:ChatGoogleGenerativeAI",
        # The Google SDK reads 0 as "its default retries"; 1 is one attempt and no retry.
        one_attempt=1,
    ),
    "rules": ProviderSpec("rules", "Offline rules model", "convonet-rules", "", ()),
}


def _key(provider: ProviderId, settings: AgentSettings) -> SecretStr | None:
    value = getattr(settings, f"{provider}_api_key", None)
    return None if is_placeholder(value) else value


def base_url(provider: ProviderId, settings: AgentSettings) -> str | None:
    return getattr(settings, f"{provider}_base_url", None) or None


def model_name(provider: ProviderId, settings: AgentSettings) -> str:
    configured = getattr(settings, f"{provider}_model", None)
    return configured or SPECS[provider].default_model


def is_configured(provider: ProviderId, settings: AgentSettings) -> bool:
    """The offline model always is; a cloud one when its key is set (OpenAI: or a base URL)."""
    if provider == OFFLINE:
        return True
    if provider == "openai" and base_url(provider, settings):
        return True
    return _key(provider, settings) is not None


def _known(names: str | None) -> list[ProviderId]:
    """The cloud providers named in a comma-separated list, in its order, once each."""
    wanted = [n.strip().lower() for n in (names or "").split(",")]
    found = [p for n in wanted for p in PROVIDERS if p == n and p != OFFLINE]
    return list(dict.fromkeys(found))


def fallback_order(settings: AgentSettings) -> list[ProviderId]:
    """``settings.llm_fallback``'s cloud providers that are configured, in its order."""
    return [p for p in _known(settings.llm_fallback) if is_configured(p, settings)]


def available(settings: AgentSettings) -> list[ProviderId]:
    """Every configured provider: the fallback order first, then the rest, then rules."""
    ordered = fallback_order(settings)
    rest = [p for p in PROVIDERS if p not in ordered and p != OFFLINE]
    return [*ordered, *(p for p in rest if is_configured(p, settings)), OFFLINE]


def _lead(choices: tuple[str | None, ...], settings: AgentSettings) -> ProviderId:
    usable = available(settings)
    for choice in choices:
        name = (choice or "").strip().lower()
        for provider in usable:
            if provider == name:
                return provider
    return OFFLINE


def choose(
    session_choice: str | None, user_choice: str | None, settings: AgentSettings
) -> list[ProviderId]:
    """The fallback chain for a turn. It leads with the first usable of the session's choice,
    the user's saved choice and ``settings.llm_provider`` (a choice that is unknown or not
    configured is passed over), then the remaining configured providers in
    ``settings.llm_fallback`` order, and always ends with the offline rules model (which
    never fails, so a chain led by it is just ``["rules"]``)."""
    lead = _lead((session_choice, user_choice, settings.llm_provider), settings)
    if lead == OFFLINE:
        return [OFFLINE]
    return [lead, *(p for p in fallback_order(settings) if p != lead), OFFLINE]


def chat_model(
    provider: ProviderId,
    settings: AgentSettings,
    *,
    model: str | None = None,
    timeout: float | None = None,
    streaming: bool = True,
) -> BaseChatModel:
    """The provider's LangChain chat model: streaming, a request timeout (``timeout``, else
    ``settings.llm_timeout_seconds``), no SDK retries."""
    spec = SPECS[provider]
    if not spec.chat_class:
        from functions.agent_turn.agent.rules_model import RulesChatModel

        return RulesChatModel()
    module, _, name = spec.chat_class.partition(":")
    chat_class: type[BaseChatModel] = getattr(importlib.import_module(module), name)
    return chat_class(
        model=model or model_name(provider, settings),
        api_key=api_key(provider, settings),
        base_url=base_url(provider, settings),
        timeout=settings.llm_timeout_seconds if timeout is None else timeout,
        max_retries=spec.one_attempt,
        streaming=streaming,
        **spec.chat_kwargs,
    )


def api_key(provider: ProviderId, settings: AgentSettings) -> SecretStr:
    key = _key(provider, settings)
    if key is not None:
        return key
    if provider == "openai" and base_url(provider, settings):
        return SecretStr(NO_KEY)
    raise ValueError(
        f"{SPECS[provider].display_name} is not configured: set {SPECS[provider].key_env}"
    )
