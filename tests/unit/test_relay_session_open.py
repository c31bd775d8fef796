"""Opening a session: the document from a sign-in, the greeting's request, providers, text."""

from __future__ import annotations

import pytest

from shared.identity import User
from shared.ws_protocol import Authenticate, VoiceProviders
from websocket_relay.session_open import (
    clean_text,
    greeting_request,
    new_session,
    provider_changes,
)

pytestmark = pytest.mark.unit


def test_a_session_takes_the_frames_providers_else_the_saved_ones() -> None:
    frame = Authenticate(type="authenticate", pin="246810", tts_provider="deepgram")
    saved = {"stt_provider": "whisper", "tts_provider": "piper", "llm_provider": "openai"}
    s = new_session(User("u-1", "Ada Lovelace"), frame, saved, "r-9")
    assert (s.user_id, s.user_name, s.relay_id, s.channel, s.status) == (
        "u-1",
        "Ada Lovelace",
        "r-9",
        "web",
        "active",
    )
    assert (s.stt_provider, s.tts_provider) == ("whisper", "deepgram")
    assert s.llm_provider is None  # read from the saved choice at each turn, not copied
    assert len(s.id) == 32


def test_the_greeting_request_is_a_session_start() -> None:
    s = new_session(User("u-1", "Ada"), Authenticate(type="authenticate", pin="1234"), {}, "r")
    g = greeting_request(s, now=5.0)
    assert (g.turn_id, g.source, g.text, g.received_at) == (
        f"greeting-{s.id}",
        "session_start",
        "",
        5.0,
    )


def test_only_the_providers_named_change() -> None:
    frame = VoiceProviders(type="voice_providers", stt_provider="deepgram")
    assert provider_changes(frame) == {"stt_provider": "deepgram"}


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [("  add milk \x07", "add milk"), ("\x00\x01", None), ("x" * 11, None), ("ok", "ok")],
)
def test_typed_text_is_cleaned_and_bounded(text: str, cleaned: str | None) -> None:
    assert clean_text(text, 10) == cleaned
