"""Settings: production refuses missing or placeholder secrets, local and test allow them."""

import os

import pytest
from pydantic import SecretStr

from shared.settings import (
    PLACEHOLDER_SECRETS,
    AgentSettings,
    CommonSettings,
    ConfigurationError,
    DatabaseSettings,
    RelaySettings,
    ToolsSettings,
    is_placeholder,
)

pytestmark = pytest.mark.unit

REAL_PASSWORD = "vK3q-7yQm-Lr2s-9TzP"
REAL_PEPPER = "b1e4f0c9a7d2e6f35c8a9b0d1e2f3a4b"
REAL_CALLER_KEY = "q8Vd2mX7pL0sT4nB9cR6yW1eK3hJ5gF0"
TOOLS_PRODUCTION = {
    "tools_caller_key": REAL_CALLER_KEY,
    "tools_allowed_callers": "agent-turn@p.iam.gserviceaccount.com",
    "tools_audience": "https://tools-1.run.app",
}
PLACEHOLDERS = [
    *sorted(PLACEHOLDER_SECRETS),
    "   ",
    "CHANGEME",
    " changeme ",
    "your-password-here",
    "<db password>",
    "replace-me",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CONVONET_") or name == "GOOGLE_CLOUD_PROJECT":
            monkeypatch.delenv(name)


def test_default_env_is_production() -> None:
    assert CommonSettings().env == "production"
    assert CommonSettings().is_local is False


@pytest.mark.parametrize("cls", [DatabaseSettings, ToolsSettings, RelaySettings])
def test_production_without_db_password_fails_naming_it(cls: type[DatabaseSettings]) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_DB_PASSWORD"):
        cls(env="production", pin_pepper=REAL_PEPPER, **TOOLS_PRODUCTION)


@pytest.mark.parametrize("cls", [AgentSettings, ToolsSettings])
def test_production_without_the_tool_caller_key_fails_naming_it(cls: type[AgentSettings]) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_TOOLS_CALLER_KEY"):
        cls(env="production", db_password=REAL_PASSWORD)


def test_the_production_tools_server_must_know_whose_identity_tokens_to_accept() -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_TOOLS_ALLOWED_CALLERS"):
        ToolsSettings(env="production", db_password=REAL_PASSWORD, tools_caller_key=REAL_CALLER_KEY)
    tools = ToolsSettings(env="production", db_password=REAL_PASSWORD, **TOOLS_PRODUCTION)
    assert tools.allowed_callers() == frozenset({"agent-turn@p.iam.gserviceaccount.com"})
    assert tools.caller_key_bytes() == REAL_CALLER_KEY.encode()


@pytest.mark.parametrize("cls", [AgentSettings, ToolsSettings])
def test_local_mode_needs_a_tools_credential(cls: type[AgentSettings]) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_TOOLS_TOKEN"):
        cls(env="local", hanok_token="a-hanok-credential")
    settings = cls(env="local", tools_token="a-credential", hanok_token="a-hanok-credential")
    assert settings.caller_key_bytes()


@pytest.mark.parametrize("value", [None, "changeme", "<token>"])
def test_local_agent_needs_a_hanok_credential(value: str | None) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_HANOK_TOKEN"):
        AgentSettings(env="local", tools_token="a-credential", hanok_token=value)
    # Production calls Hanok Table with identity tokens: no credential of its own.
    agent = AgentSettings(env="production", tools_caller_key=REAL_CALLER_KEY)
    assert agent.hanok_token is None and agent.hanok_url.endswith("/mcp")


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_production_placeholder_db_password_fails(value: str) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_DB_PASSWORD"):
        DatabaseSettings(env="production", db_password=value)


def test_production_relay_without_pepper_fails_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_PIN_PEPPER") as info:
        RelaySettings(env="production", db_password=REAL_PASSWORD)
    assert "CONVONET_DB_PASSWORD" not in str(info.value)


@pytest.mark.parametrize("value", ["changeme", "", "your-pepper", "<pepper>", "todo"])
def test_production_relay_placeholder_pepper_fails(value: str) -> None:
    with pytest.raises(ConfigurationError, match="CONVONET_PIN_PEPPER"):
        RelaySettings(env="production", db_password=REAL_PASSWORD, pin_pepper=value)


def test_production_reads_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVONET_ENV", "production")
    with pytest.raises(ConfigurationError, match="CONVONET_DB_PASSWORD"):
        RelaySettings()
    monkeypatch.setenv("CONVONET_DB_PASSWORD", "changeme")
    monkeypatch.setenv("CONVONET_PIN_PEPPER", REAL_PEPPER)
    with pytest.raises(ConfigurationError, match="CONVONET_DB_PASSWORD"):
        RelaySettings()
    monkeypatch.setenv("CONVONET_DB_PASSWORD", REAL_PASSWORD)
    settings = RelaySettings()
    assert settings.db_password is not None
    assert settings.db_password.get_secret_value() == REAL_PASSWORD
    assert settings.pepper_bytes() == REAL_PEPPER.encode()


def test_production_with_real_secrets_passes() -> None:
    relay = RelaySettings(env="production", db_password=REAL_PASSWORD, pin_pepper=REAL_PEPPER)
    assert relay.pepper_bytes() == REAL_PEPPER.encode()
    agent = AgentSettings(env="production", tools_caller_key=REAL_CALLER_KEY)
    assert agent.caller_key_bytes() == REAL_CALLER_KEY.encode()
    assert CommonSettings(env="production").env == "production"  # no secrets of its own


def test_secrets_are_not_in_repr() -> None:
    relay = RelaySettings(env="production", db_password=REAL_PASSWORD, pin_pepper=REAL_PEPPER)
    assert REAL_PASSWORD not in repr(relay)
    assert REAL_PEPPER not in repr(relay)


@pytest.mark.parametrize("env", ["local", "test"])
@pytest.mark.parametrize("cls", [DatabaseSettings, ToolsSettings, RelaySettings])
def test_local_and_test_allow_missing_secrets(env: str, cls: type[DatabaseSettings]) -> None:
    settings = cls(env=env, tools_token="local-credential")
    assert settings.is_local
    assert settings.db_password is None


@pytest.mark.parametrize("env", ["local", "test"])
def test_local_allows_placeholder_secrets(env: str) -> None:
    relay = RelaySettings(env=env, db_password="changeme", pin_pepper="changeme")
    assert relay.pepper_bytes() == b"changeme"


def test_local_pepper_default() -> None:
    assert RelaySettings(env="local").pepper_bytes() == b"convonet-local-pepper"


def test_unknown_env_is_rejected() -> None:
    with pytest.raises(ValueError, match="env"):
        CommonSettings(env="staging")


def test_project_id_comes_from_google_cloud_project(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CommonSettings().project_id == "demo-convonet"
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-proj")
    assert CommonSettings().project_id == "my-proj"


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_is_placeholder(value: str) -> None:
    assert is_placeholder(SecretStr(value))


def test_is_placeholder_accepts_real_values() -> None:
    assert is_placeholder(None)
    for real in (REAL_PASSWORD, REAL_PEPPER, "s3cr3t-but-long", "correct horse battery staple"):
        assert not is_placeholder(SecretStr(real))


def test_require_secrets_lists_every_bad_name_sorted() -> None:
    settings = CommonSettings(env="production")
    with pytest.raises(ConfigurationError) as info:
        settings.require_secrets(
            CONVONET_Z=None, CONVONET_A=SecretStr("xxx"), CONVONET_OK=SecretStr(REAL_PASSWORD)
        )
    message = str(info.value)
    assert "CONVONET_A, CONVONET_Z" in message
    assert "CONVONET_OK" not in message
