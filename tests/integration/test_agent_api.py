"""agent_turn's HTTP API against the real emulators, PostgreSQL and tools server: turns asked
directly (state verified in PostgreSQL), sessions scoped to their user, retries that run
nothing twice, saved provider choices that the voice path then uses, and the greeting the agent
now says when a session starts."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from functions.agent_turn.api import build_app
from functions.agent_turn.api_settings import AgentApiSettings
from functions.agent_turn.choices import Choices
from functions.agent_turn.direct import DirectTurns
from functions.agent_turn.handler import AgentTurnHandler
from functions.tools.productivity.todos import todos_of
from shared import identity, topics
from shared.bus import Bus, InboundMessage
from shared.contracts import VoiceTranscript
from shared.db import Database
from shared.service_auth import SharedCredential
from shared.session_store import Session, SessionStore
from shared.settings import AgentSettings
from shared.turn_record import TurnRecord
from tests.fakes.llm_script import Fail, Text
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.integration
API_TOKEN = "test-agent-api-credential"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PEPPER = b"test-pepper"
KEY = "sk-test-agent-api"


def _api_settings(**values: Any) -> AgentApiSettings:
    return AgentApiSettings(env="test", agent_api_token=API_TOKEN, **values)


def _client(handler: AgentTurnHandler, store: SessionStore, settings: AgentSettings) -> TestClient:
    app = build_app(
        DirectTurns(handler),
        Choices(store, settings, _api_settings()),
        SharedCredential(API_TOKEN),
    )
    return TestClient(app)


@pytest.fixture
def user(db: Database) -> identity.User:
    return identity.create_user(db, "Ada Lovelace", f"{uuid.uuid4().int % 10**6:06d}", PEPPER)


@pytest.fixture
def handler(
    bus: Bus, store: SessionStore, toolbox: Any, agent_settings: AgentSettings
) -> AgentTurnHandler:
    return AgentTurnHandler(bus, store, toolbox, settings=agent_settings)


@pytest.fixture
def api(
    handler: AgentTurnHandler, store: SessionStore, agent_settings: AgentSettings
) -> Iterator[TestClient]:
    with _client(handler, store, agent_settings) as client:
        yield client


def _ask(api: TestClient, user_id: str, session_id: str, prompt: str, **extra: Any) -> Any:
    headers = {**AUTH, **extra.pop("headers", {})}
    body = {"prompt": prompt, "user_id": user_id, "session_id": session_id, **extra}
    return api.post("/agent/process", json=body, headers=headers)


def test_every_route_but_health_needs_the_credential(api: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": API_TOKEN}):
        for method, path in (
            ("post", "/agent/process"),
            ("get", "/api/llm-providers"),
            ("get", "/api/stt-provider?user_id=u1"),
            ("post", "/api/tts-provider"),
        ):
            answer = api.request(method, path, headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers)
            assert answer.json()["error"] == "unauthenticated"
            assert answer.headers["www-authenticate"] == "Bearer"
    assert api.get("/healthz").status_code == 200


def test_openapi_lists_the_routes(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert "/agent/process" in paths
    for kind in ("llm", "stt", "tts"):
        assert {f"/api/{kind}-providers", f"/api/{kind}-provider"} <= set(paths)
    assert set(paths["/api/llm-provider"]) == {"get", "post"}


def test_a_turn_over_http_acts_and_the_session_continues(
    api: TestClient, user: identity.User, db: Database, store: SessionStore
) -> None:
    session_id = uuid.uuid4().hex
    first = _ask(api, user.id, session_id, "add a todo to buy milk", metadata={"source": "crm"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert "buy milk" in body["response"] and body["domain"] == "productivity"
    assert body["processing_time_ms"] > 0 and body["transfer"] is None
    assert body["answered_by"] == "rules" and body["session_id"] == session_id
    assert [t.title for t in todos_of(db, user.id)] == ["buy milk"]
    session = store.get_session(session_id)
    assert session is not None and session.channel == "api" and session.user_id == user.id
    turn = store.get_turn(session_id, body["turn_id"]) or TurnRecord()
    assert turn.status == "answered" and turn.metadata == {"source": "crm"}
    # The same session remembers: "make it high priority" refers back to the todo just added.
    second = _ask(api, user.id, session_id, "make it high priority")
    assert second.status_code == 200, second.text
    [todo] = todos_of(db, user.id)
    assert todo.priority == "high"


def test_a_session_of_another_user_is_refused(
    api: TestClient, user: identity.User, db: Database
) -> None:
    session_id = uuid.uuid4().hex
    assert _ask(api, user.id, session_id, "add a todo to call mum").status_code == 200
    other = identity.create_user(db, "Bob", f"{uuid.uuid4().int % 10**6:06d}", PEPPER)
    refused = _ask(api, other.id, session_id, "what are my todos")
    assert refused.status_code == 403 and refused.json()["error"] == "session_of_another_user"
    assert todos_of(db, other.id) == []


def test_reset_thread_forgets_the_conversation(
    api: TestClient, user: identity.User, store: SessionStore
) -> None:
    session_id = uuid.uuid4().hex
    _ask(api, user.id, session_id, "add a todo to water the plants")
    assert store.load_memory(session_id, user.id)
    _ask(api, user.id, session_id, "hello", reset_thread=True)
    remembered = [m["data"]["content"] for m in store.load_memory(session_id, user.id)]
    assert not any("water the plants" in str(c) for c in remembered)


def test_a_retried_request_runs_once_and_gets_the_same_answer(
    api: TestClient, user: identity.User, db: Database
) -> None:
    session_id = uuid.uuid4().hex
    key = {"Idempotency-Key": "req-42"}
    first = _ask(api, user.id, session_id, "add a todo to renew the passport", headers=key)
    again = _ask(api, user.id, session_id, "add a todo to renew the passport", headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True and not first.json()["replayed"]
    assert again.json()["response"] == first.json()["response"]
    assert again.json()["turn_id"] == first.json()["turn_id"]
    assert [t.title for t in todos_of(db, user.id)] == ["renew the passport"]


def test_a_transfer_comes_back_with_the_request(api: TestClient, user: identity.User) -> None:
    answer = _ask(api, user.id, uuid.uuid4().hex, "I want to speak to a person about billing")
    assert answer.status_code == 200, answer.text
    transfer = answer.json()["transfer"]
    assert (
        transfer is not None and transfer["extension"] and transfer["caller"]["user_id"] == user.id
    )


def test_bad_requests_get_a_precise_error(api: TestClient, user: identity.User) -> None:
    cases = [
        {"prompt": "", "user_id": user.id, "session_id": "s1"},
        {"prompt": "hi", "user_id": user.id, "session_id": "has/slash"},
        {"prompt": "hi", "user_id": user.id, "session_id": "s1", "model": "gpt-99"},
        {"prompt": "hi", "user_id": user.id, "session_id": "s1", "surprise": 1},
        {"prompt": "x" * 4001, "user_id": user.id, "session_id": "s1"},
    ]
    for body in cases:
        answer = api.post("/agent/process", json=body, headers=AUTH)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_request" and answer.json()["detail"]


def test_provider_lists_and_saved_choices(
    api: TestClient, user: identity.User, store: SessionStore
) -> None:
    llms = {p["id"]: p for p in api.get("/api/llm-providers", headers=AUTH).json()}
    assert set(llms) == {"anthropic", "openai", "gemini", "rules"}
    assert llms["rules"]["available"] and not llms["openai"]["available"]  # no keys here
    stts = {p["id"]: p["available"] for p in api.get("/api/stt-providers", headers=AUTH).json()}
    assert stts == {"whisper": True, "deepgram": False}

    saved = api.get(f"/api/llm-provider?user_id={user.id}", headers=AUTH).json()
    assert saved == {"user_id": user.id, "kind": "llm", "provider": None, "effective": "rules"}
    refused = api.post(
        "/api/llm-provider", json={"user_id": user.id, "provider": "openai"}, headers=AUTH
    )
    assert refused.status_code == 409 and refused.json()["error"] == "provider_unavailable"
    unknown = api.post(
        "/api/tts-provider", json={"user_id": user.id, "provider": "espeak"}, headers=AUTH
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_provider"
    chosen = api.post(
        "/api/tts-provider", json={"user_id": user.id, "provider": "piper"}, headers=AUTH
    )
    assert chosen.status_code == 200 and chosen.json()["provider"] == "piper"
    assert store.get_user_prefs(user.id)["tts_provider"] == "piper"  # what the relay reads


def test_a_saved_language_model_answers_the_users_voice_turns(
    bus: Bus, store: SessionStore, toolbox: Any, agent_settings: AgentSettings, user: identity.User
) -> None:
    fake = FakeOpenAI(api_key=KEY)
    with fake.serve() as url:
        settings = agent_settings.model_copy(
            update={
                "openai_api_key": SecretStr(KEY),
                "openai_base_url": f"{url}/v1",
                "llm_fallback": "openai",
            }
        )
        handler = AgentTurnHandler(bus, store, toolbox, settings=settings)
        with _client(handler, store, settings) as api:
            llms = {
                p["id"]: p["available"] for p in api.get("/api/llm-providers", headers=AUTH).json()
            }
            assert llms["openai"]
            chosen = api.post(
                "/api/llm-provider", json={"user_id": user.id, "provider": "openai"}, headers=AUTH
            )
            assert chosen.status_code == 200 and chosen.json()["effective"] == "openai"
        session = Session(uuid.uuid4().hex, user.id, "Ada", "web", "relayA", "active")
        store.create_session(session)
        # "hello there" names no domain, so the cloud model classifies it first, then answers.
        fake.script(Text("general"), Text("Hello Ada, the cloud model is answering."))
        handler.handle(_transcript(session, "t1", "hello there"))
        turn = store.get_turn(session.id, "t1") or TurnRecord()
        assert turn.answered_by == "openai", turn
        assert turn.reply == "Hello Ada, the cloud model is answering."


def _agent_final(outbound: Any) -> dict[str, Any]:
    events = [json.loads(m.data)["event"] for m in outbound.pull(expect=1)]
    [final] = [e for e in events if e["type"] == "agent_final"]
    return dict(final)


def test_a_chosen_model_with_no_key_is_named_as_passed_over(
    handler: AgentTurnHandler, store: SessionStore, user: identity.User, tap: Any
) -> None:
    # The relay keeps a key-less choice (its turns fall back); agent_final says so.
    outbound = tap(topics.SESSION_OUTBOUND)
    session = Session(
        uuid.uuid4().hex, user.id, "Ada", "web", "relayA", "active", llm_provider="openai"
    )
    store.create_session(session)
    handler.handle(_transcript(session, "t1", "hello there"))
    final = _agent_final(outbound)
    assert final["answered_by"] == "rules"
    assert final["passed_over"] == [{"provider": "openai", "reason": "not_configured"}]
    assert (store.get_turn(session.id, "t1") or TurnRecord()).answered_by == "rules"


def test_a_saved_model_with_no_key_is_named_as_passed_over(
    handler: AgentTurnHandler, store: SessionStore, user: identity.User, tap: Any
) -> None:
    outbound = tap(topics.SESSION_OUTBOUND)
    store.save_user_prefs(user.id, llm_provider="gemini")  # saved by the relay, key or not
    session = Session(uuid.uuid4().hex, user.id, "Ada", "web", "relayA", "active")
    store.create_session(session)
    handler.handle(_transcript(session, "t1", "hello there"))
    final = _agent_final(outbound)
    assert final["answered_by"] == "rules"
    assert final["passed_over"] == [{"provider": "gemini", "reason": "not_configured"}]


def test_a_model_that_fails_in_the_turn_is_named_as_passed_over(
    bus: Bus,
    store: SessionStore,
    toolbox: Any,
    agent_settings: AgentSettings,
    user: identity.User,
    tap: Any,
) -> None:
    fake = FakeOpenAI(api_key=KEY)
    fake.script(Fail(500), Fail(500), Fail(500))  # the classifier's question, then the answer
    with fake.serve() as url:
        settings = agent_settings.model_copy(
            update={"openai_api_key": SecretStr(KEY), "openai_base_url": f"{url}/v1"}
        )
        handler = AgentTurnHandler(bus, store, toolbox, settings=settings)
        outbound = tap(topics.SESSION_OUTBOUND)
        session = Session(
            uuid.uuid4().hex, user.id, "Ada", "web", "relayA", "active", llm_provider="openai"
        )
        store.create_session(session)
        handler.handle(_transcript(session, "t1", "hello there"))
        final = _agent_final(outbound)
    assert final["answered_by"] == "rules"
    assert final["passed_over"] == [{"provider": "openai", "reason": "failed"}]


def test_the_chosen_model_answering_names_nothing_passed_over(
    handler: AgentTurnHandler, store: SessionStore, user: identity.User, tap: Any
) -> None:
    outbound = tap(topics.SESSION_OUTBOUND)
    session = Session(
        uuid.uuid4().hex, user.id, "Ada", "web", "relayA", "active", llm_provider="rules"
    )
    store.create_session(session)
    handler.handle(_transcript(session, "t1", "hello there"))
    final = _agent_final(outbound)
    assert final["answered_by"] == "rules" and final.get("passed_over") is None


def _transcript(session: Session, turn: str, text: str, source: str = "text") -> InboundMessage:
    msg = VoiceTranscript(
        session_id=session.id,
        turn_id=turn,
        user_id=session.user_id,
        text=text,
        source=source,  # type: ignore[arg-type]
        received_at=time.time(),
    )
    return InboundMessage(msg.model_dump_json().encode(), {}, message_id=f"m-{session.id}-{turn}")


def test_the_agent_greets_a_new_session_and_keeps_nothing_of_it(
    handler: AgentTurnHandler, store: SessionStore, user: identity.User, tap: Any
) -> None:
    replies, monitor = tap(topics.AGENT_REPLY), tap(topics.MONITOR_EVENTS)
    session = Session(
        uuid.uuid4().hex, user.id, "Ada Lovelace", "web", "relayA", "active", tts_provider="piper"
    )
    store.create_session(session)
    start = _transcript(session, f"greeting-{session.id}", "", source="session_start")
    handler.handle(start)
    [piece] = [json.loads(m.data) for m in replies.pull()]
    assert piece["purpose"] == "greeting" and piece["is_final"]
    assert piece["text"] == "Hello Ada, how can I help you today?"
    assert piece["tts_provider"] == "piper" and piece["turn_id"] == f"greeting-{session.id}"
    assert store.get_turn(session.id, f"greeting-{session.id}") is None
    assert store.load_memory(session.id, user.id) == []
    # The monitor hears of it as a greeting, never as a caller's turn.
    [told] = [json.loads(m.data) for m in monitor.drain(0.5)]
    assert (told["kind"], told["service"], told["text_out"]) == (
        "greeting",
        "agent_turn",
        "Hello Ada, how can I help you today?",
    )
