"""The relay's side of provider choices and the greeting, against the real relay server and
emulators: a session's language model chosen at sign-in or by ``voice_providers`` (saved for
the user), and the session start handed to the agent rather than a greeting of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from shared import identity, topics
from shared.db import Database
from shared.session_store import SessionStore
from shared.settings import RelaySettings
from tests.relay_harness import running_relay

pytestmark = pytest.mark.integration
PIN = "735190"


@pytest.fixture
def user(db: Database, relay_settings: RelaySettings) -> identity.User:
    return identity.create_user(db, "Grace Hopper", PIN, relay_settings.pepper_bytes())


@pytest.fixture
def relay_url(relay_settings: RelaySettings, topics_ready: str) -> Iterator[str]:
    with running_relay(relay_settings) as url:
        yield url


async def _session(url: str, first: dict[str, Any], then: dict[str, Any] | None) -> list[Any]:
    async with connect(url, open_timeout=20) as ws:
        await ws.send(json.dumps({"type": "authenticate", "pin": PIN, **first}))
        frames = [json.loads(await asyncio.wait_for(ws.recv(), 30))]
        if then is not None:
            await ws.send(json.dumps(then))
            while frames[-1].get("type") != "status":
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        return frames


def test_a_model_chosen_at_sign_in_is_the_sessions_and_is_not_saved(
    relay_url: str, user: identity.User, store: SessionStore, tap: Any
) -> None:
    starts = tap(topics.VOICE_TRANSCRIPT)
    [auth] = asyncio.run(_session(relay_url, {"llm_provider": "gemini"}, None))
    assert auth["type"] == "auth_ok"
    session = store.get_session(auth["session_id"])
    assert session is not None and session.llm_provider == "gemini"
    assert "llm_provider" not in store.get_user_prefs(user.id)
    # The relay says no greeting itself: it tells the agent the session began.
    [start] = [json.loads(m.data) for m in starts.pull()]
    assert start["source"] == "session_start" and start["text"] == ""
    assert start["turn_id"] == f"greeting-{auth['session_id']}"


def test_voice_providers_sets_the_model_for_the_session_and_saves_it(
    relay_url: str, user: identity.User, store: SessionStore
) -> None:
    chosen = {"type": "voice_providers", "llm_provider": "anthropic"}
    frames = asyncio.run(_session(relay_url, {}, chosen))
    assert frames[-1] == {"type": "status", "message": "voice providers updated"}
    session = store.get_session(frames[0]["session_id"])
    assert session is not None and session.llm_provider == "anthropic"
    assert store.get_user_prefs(user.id)["llm_provider"] == "anthropic"
    # The next session has no model of its own: each turn reads the saved choice instead.
    [auth] = asyncio.run(_session(relay_url, {}, None))
    later = store.get_session(auth["session_id"])
    assert later is not None and later.llm_provider is None


def test_an_unknown_model_is_refused_and_changes_nothing(
    relay_url: str, user: identity.User, store: SessionStore
) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with connect(relay_url, open_timeout=20) as ws:
            await ws.send(json.dumps({"type": "authenticate", "pin": PIN}))
            auth = json.loads(await asyncio.wait_for(ws.recv(), 30))
            await ws.send(json.dumps({"type": "voice_providers", "llm_provider": "skynet"}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame["type"] == "error":
                    return auth, frame

    auth, refused = asyncio.run(scenario())
    assert refused["code"] == "invalid_message"
    session = store.get_session(auth["session_id"])
    assert session is not None and session.llm_provider is None
    assert "llm_provider" not in store.get_user_prefs(user.id)
