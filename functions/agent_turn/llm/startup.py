"""The start-up key check: ``check_keys(settings)``, called once when agent_turn starts.

Each configured cloud provider gets one cheap authenticated call (listing models). A key that
is refused (HTTP 401 or 403; Gemini's 400 ``API_KEY_INVALID``) raises ``ConfigurationError``
so the instance stops at start, as the speech providers do. Anything else (the network, a 5xx,
a 429) only logs a warning: the provider may come back, and the fallback chain covers it
meanwhile. Logs name the provider, the variable and the status, never the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from functions.agent_turn.llm.errors import describe, key_refused
from functions.agent_turn.llm.providers import (
    OFFLINE,
    SPECS,
    ProviderId,
    api_key,
    available,
    base_url,
)
from shared.settings import AgentSettings, ConfigurationError

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 5.0


def check_keys(settings: AgentSettings) -> list[ProviderId]:
    """Check every configured cloud provider's key; return the ones that answered."""
    answered: list[ProviderId] = []
    for provider in available(settings):
        if provider != OFFLINE and _check(provider, settings):
            answered.append(provider)
    return answered


def _check(provider: ProviderId, settings: AgentSettings) -> bool:
    spec = SPECS[provider]
    try:
        _LIST_MODELS[provider](settings, min(settings.llm_timeout_seconds, CHECK_TIMEOUT_SECONDS))
    except Exception as exc:
        if key_refused(exc):
            raise ConfigurationError(
                f"{spec.display_name} refused the key in {spec.key_env} ({describe(exc)})"
            ) from None
        log.warning("%s key check did not complete: %s", spec.display_name, describe(exc))
        return False
    log.info("%s key accepted", spec.display_name)
    return True


def _anthropic(settings: AgentSettings, timeout: float) -> None:
    import anthropic

    client = anthropic.Anthropic(
        api_key=api_key("anthropic", settings).get_secret_value(),
        base_url=base_url("anthropic", settings),
        timeout=timeout,
        max_retries=0,
    )
    with client:
        client.models.list(limit=1)


def _openai(settings: AgentSettings, timeout: float) -> None:
    import openai

    client = openai.OpenAI(
        api_key=api_key("openai", settings).get_secret_value(),
        base_url=base_url("openai", settings),
        timeout=timeout,
        max_retries=0,
    )
    with client:
        client.models.list()


def _gemini(settings: AgentSettings, timeout: float) -> None:
    from google import genai
    from google.genai import types

    options = types.HttpOptions(base_url=base_url("gemini", settings), timeout=int(timeout * 1000))
    with genai.Client(
        api_key=api_key("gemini", settings).get_secret_value(), http_options=options
    ) as client:
        client.models.list(config={"page_size": 1})


_LIST_MODELS: dict[ProviderId, Callable[[AgentSettings, float], None]] = {
    "anthropic": _anthropic,
    "openai": _openai,
    "gemini": _gemini,
}
