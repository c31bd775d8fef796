import pytest

from functions.agent_turn.llm.providers import available, choose, is_configured
from shared.settings import AgentSettings

pytestmark = pytest.mark.unit


def settings(**values: object) -> AgentSettings:
    base: dict[str, object] = {"env": "test", "tools_token": "t" * 16, "hanok_token": "h" * 16}
    return AgentSettings(**{**base, **values})  # type: ignore[arg-type]


ALL = {"anthropic_api_key": "a-key", "openai_api_key": "o-key", "gemini_api_key": "g-key"}


def test_nothing_configured_is_the_rules_model_alone() -> None:
    assert available(settings()) == ["rules"]
    assert choose("anthropic", "openai", settings(llm_provider="gemini")) == ["rules"]


def test_the_session_choice_leads_then_the_fallback_order_then_rules() -> None:
    assert choose("gemini", "openai", settings(**ALL)) == ["gemini", "anthropic", "openai", "rules"]


def test_the_user_choice_then_the_setting_lead_when_the_session_has_none() -> None:
    assert choose(None, "openai", settings(**ALL))[0] == "openai"
    assert choose("", None, settings(**ALL, llm_provider="gemini"))[0] == "gemini"


def test_an_unknown_or_unconfigured_choice_is_passed_over() -> None:
    only_openai = settings(openai_api_key="o-key", llm_provider="openai")
    assert choose("anthropic", "claude-9", only_openai) == ["openai", "rules"]


def test_rules_as_the_choice_is_the_whole_chain() -> None:
    assert choose("rules", "openai", settings(**ALL)) == ["rules"]
    assert choose(None, None, settings(**ALL)) == ["rules"]  # llm_provider defaults to rules


def test_the_fallback_setting_orders_and_filters_the_tail() -> None:
    configured = settings(**ALL, llm_fallback="gemini, openai", llm_provider="anthropic")
    assert choose(None, None, configured) == ["anthropic", "gemini", "openai", "rules"]
    assert choose("openai", None, configured) == ["openai", "gemini", "rules"]
    assert available(configured) == ["gemini", "openai", "anthropic", "rules"]


def test_placeholder_keys_do_not_configure_and_a_base_url_configures_openai() -> None:
    assert not is_configured("anthropic", settings(anthropic_api_key="changeme"))
    assert is_configured("openai", settings(openai_base_url="http://127.0.0.1:11434/v1"))


def test_google_api_key_is_accepted_for_gemini(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")
    assert available(settings()) == ["gemini", "rules"]
