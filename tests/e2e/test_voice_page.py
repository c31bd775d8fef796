import pytest

pytestmark = pytest.mark.e2e

# ruff: noqa: E402  (the tier marker is declared before the other imports)

# The voice assistant page in headless Chromium against the whole local stack: sign in, a typed
# turn, a push-to-talk turn spoken through Chromium's fake microphone, a wrong PIN, and the
# page's second address. Set CONVONET_E2E_SCREENSHOTS=<dir> to keep screenshots of the page.

import os
import re
import urllib.request
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.conftest import FIXTURES
from tests.e2e.browser import find_chromium, launch_chromium
from tests.e2e.conftest import DEMO_PIN, RunningStack, demo_user_id

CLIP = FIXTURES / "speech" / "todo-list.joe.16k.wav"  # "What is on my todo list?"
WAIT_MS = 60_000


def _clip_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, "Chromium's fake microphone wants 16-bit PCM"
        return w.getnframes() / w.getframerate()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if find_chromium() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium); run scripts/setup-system.sh")
    with launch_chromium(fake_audio=CLIP) as b:
        yield b


@pytest.fixture
def page(browser: Browser, stack: RunningStack) -> Iterator[Page]:
    context = browser.new_context(base_url=stack.http_url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error"
            else None
        ),
    )
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("CONVONET_E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _debug(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("() => window.convonetDebug"))


def _sign_in(page: Page, pin: str = DEMO_PIN) -> None:
    page.goto("/voice_assistant")
    expect(page.locator("#connection")).to_have_text("connected")
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Sign in").click()


def _signed_in(page: Page) -> None:
    _sign_in(page)
    expect(page.locator("#user-name")).to_have_text("Demo User")
    expect(page.locator("#talk")).to_be_enabled()


def _wait_for(page: Page, condition: str, what: str) -> None:
    try:
        page.wait_for_function(f"() => {condition}", timeout=WAIT_MS)
    except PlaywrightTimeout:
        debug = _debug(page)
        banner = page.locator("#error").inner_text() if page.locator("#error").is_visible() else ""
        raise AssertionError(
            f"no {what} within {WAIT_MS / 1000:.0f} s; error banner: {banner!r}; "
            f"status: {page.locator('#status').inner_text()!r}; "
            f"frames sent: {debug['framesSent']}; frames received: {debug['framesReceived']}"
        ) from None


def _message(page: Page, role: str, text: str) -> Locator:
    """The chat message of ``role`` ("user" or "agent") showing exactly ``text``."""
    exact = re.compile(rf"^\s*{re.escape(text.strip())}\s*$")
    return page.locator(f".msg.{role} .text").filter(has_text=exact)


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def test_a_typed_turn_gets_a_reply_on_the_page(page: Page) -> None:
    _signed_in(page)
    page.get_by_label("Type a message").fill("what are my todos")
    page.keyboard.press("Enter")
    expect(_message(page, "user", "what are my todos")).to_be_visible()
    _wait_for(page, "window.convonetDebug.lastReply !== null", "reply")
    reply = _debug(page)["lastReply"]
    assert reply.strip()
    expect(_message(page, "agent", reply)).to_be_visible()
    expect(page.locator("#status")).to_have_text("Ready.")
    _shot(page, "voice-typed-turn")


def test_push_to_talk_shows_the_transcript_and_reply_and_plays_audio(page: Page) -> None:
    _signed_in(page)
    talk = page.locator("#talk")
    talk.hover()
    page.mouse.down()
    expect(talk).to_have_class(re.compile(r"\brecording\b"))
    page.wait_for_timeout((_clip_seconds(CLIP) + 0.5) * 1000)
    page.mouse.up()
    _wait_for(page, "window.convonetDebug.lastTranscript !== null", "transcript")
    debug = _debug(page)
    sent = [t for t in debug["framesSent"] if t not in ("authenticate", "heartbeat")]
    assert sent[0] == "start_recording" and sent[-1] == "stop_recording", sent
    assert sent.count("audio_chunk") >= 2  # 250 ms slices of a 2.5 s hold
    heard = _normalised(debug["lastTranscript"])
    assert ("todo" in heard or "to do" in heard) and "list" in heard, heard
    expect(_message(page, "user", debug["lastTranscript"])).to_be_visible()
    _wait_for(page, "window.convonetDebug.lastReply !== null", "reply")
    expect(_message(page, "agent", _debug(page)["lastReply"])).to_be_visible()
    _wait_for(page, "window.convonetDebug.audioChunksReceived > 0", "reply audio")
    _shot(page, "voice-push-to-talk")


def test_a_wrong_pin_shows_the_error(page: Page) -> None:
    _sign_in(page, "000001")
    error = page.locator("#signin-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("wrong PIN")
    expect(error).not_to_contain_text("auth_failed")  # the code is for programs, not callers
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#talk")).to_be_disabled()
    expect(page.locator("#text-input")).to_be_disabled()
    _shot(page, "voice-wrong-pin")


def test_the_page_is_also_served_at_voice_dash_assistant(page: Page, stack: RunningStack) -> None:
    page.goto("/voice-assistant")
    expect(page).to_have_title(re.compile("Voice assistant"))
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.get_by_label("PIN")).to_be_visible()
    with urllib.request.urlopen(stack.http_url + "/") as r:
        assert 'href="/voice_assistant"' in r.read().decode()


def test_choosing_the_assistant_model_saves_it_for_the_user(
    page: Page, stack: RunningStack
) -> None:
    from google.cloud import firestore

    from shared.session_store import SessionStore

    user_id = demo_user_id(stack)
    store = SessionStore(firestore.Client(project="demo-convonet"))
    _signed_in(page)
    for choice in ("gemini", "rules"):  # a key-less choice is kept; its turns fall back
        page.get_by_label("Assistant model").select_option(choice)
        page.wait_for_function(
            "() => window.convonetDebug.framesReceived.filter(t => t === 'status').length > 0"
        )
        deadline = 50
        while store.get_user_prefs(str(user_id)).get("llm_provider") != choice and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert store.get_user_prefs(str(user_id)).get("llm_provider") == choice
