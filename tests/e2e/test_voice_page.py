import pytest

pytestmark = pytest.mark.e2e

# ruff: noqa: E402  (the tier marker is declared before the other imports)

# The voice assistant page in headless Chromium against the whole local stack: sign in, a typed
# turn, a push-to-talk turn spoken through Chromium's fake microphone, a wrong PIN, the page's
# second address, its controls in reach on a phone, its hints on a touch screen, what it says
# when a chosen provider is passed over, and no internal code in anything it shows. Set
# CONVONET_E2E_SCREENSHOTS=<dir> to keep screenshots of the page.

import os
import re
import urllib.request
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, get_args

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from shared.ws_protocol import ErrorCode
from tests.conftest import FIXTURES
from tests.e2e.browser import find_chromium, launch_chromium
from tests.e2e.conftest import DEMO_PIN, RunningStack, demo_user_id

CLIP = FIXTURES / "speech" / "todo-list.joe.16k.wav"  # "What is on my todo list?"
WAIT_MS = 60_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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


@contextmanager
def _open_page(browser: Browser, stack: RunningStack, **options: Any) -> Iterator[Page]:
    """A page in a new browser context (``options``: viewport, has_touch, is_mobile, …) that
    fails the test on any page error or console error."""
    context = browser.new_context(base_url=stack.http_url, **options)
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


@pytest.fixture
def page(browser: Browser, stack: RunningStack) -> Iterator[Page]:
    with _open_page(browser, stack) as page:
        yield page


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
    # The stack's first sign-in can take longer than expect's 5 s (cold emulators).
    expect(page.locator("#user-name")).to_have_text("Demo User", timeout=WAIT_MS)
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


def _replies(page: Page) -> int:
    return int(
        page.evaluate(
            "() => window.convonetDebug.framesReceived.filter(t => t === 'agent_final').length"
        )
    )


def _typed_turn(page: Page, text: str) -> None:
    """Type ``text``, send it, and wait for its reply."""
    before = _replies(page)
    page.get_by_label("Type a message").fill(text)
    page.keyboard.press("Enter")
    _wait_for(
        page,
        f"window.convonetDebug.framesReceived.filter(t => t === 'agent_final').length > {before}",
        "reply",
    )


def test_choosing_the_assistant_model_saves_it_for_the_user(
    page: Page, stack: RunningStack
) -> None:
    from google.cloud import firestore

    from shared.session_store import SessionStore

    user_id = demo_user_id(stack)
    store = SessionStore(firestore.Client(project="demo-convonet"))
    _signed_in(page)
    notices = page.locator(".msg.notice .text")
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
        _typed_turn(page, "what are my todos")
        if choice == "gemini":
            # The stack has no Gemini key: the page says who answered instead, and why.
            expect(notices).to_have_text(
                ["Google Gemini is not set up here, so the built-in offline model answered."]
            )
            expect(page.locator("#llm-provider option[value=gemini]")).to_contain_text(
                "not set up here"
            )
    expect(notices).to_have_count(1)  # the offline model was chosen, and it answered
    # A speech provider with no key falls back too, and the page says so once.
    page.get_by_label("Text to speech").select_option("deepgram")
    _typed_turn(page, "what are my todos")
    expect(notices.last).to_have_text(  # the audio comes after the reply's text
        "Deepgram is not set up here, so Piper (offline) spoke the reply.", timeout=WAIT_MS
    )
    _typed_turn(page, "what are my todos")
    expect(notices).to_have_count(2)
    for text in _debug(page)["notices"]:
        assert "_" not in text and "rules" not in text, text  # words, not ids or codes
    _shot(page, "voice-provider-notice")


# ---- on a phone ------------------------------------------------------------------------------


def _in_reach(page: Page, selector: str) -> None:
    """The element is on screen and a tap at its centre lands on it (nothing covers it): it can
    be used without scrolling the page."""
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    assert box is not None and view is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], (selector, box, view)
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (selector, box, view)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    hit = page.evaluate(
        "([x, y, s]) => { const e = document.elementFromPoint(x, y);"
        " return !!e && !!e.closest(s); }",
        [x, y, selector],
    )
    assert hit, f"{selector} is covered at its centre"


def _long_conversation(page: Page, messages: int = 40) -> None:
    page.evaluate(
        """n => {
          const chat = document.getElementById('chat');
          for (let i = 0; i < n; i++) {
            const li = document.createElement('li');
            li.className = `msg ${i % 2 ? 'agent' : 'user'}`;
            li.textContent = `Message ${i}: a reply long enough to wrap over two lines on a phone.`;
            chat.append(li);
          }
        }""",
        messages,
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_talk_button_and_message_box_stay_in_reach_as_the_conversation_grows(
    browser: Browser, stack: RunningStack, viewport: dict[str, int]
) -> None:
    with _open_page(browser, stack, viewport=viewport) as page:  # type: ignore[arg-type]
        _signed_in(page)
        for _ in range(4):
            _typed_turn(page, "what are my todos")
        for selector in ("#talk", "#text-input", "#send"):
            _in_reach(page, selector)
        # The newest reply shows above the controls, not under them.
        newest = page.locator(".msg").last.bounding_box()
        controls = page.locator("#controls").bounding_box()
        assert newest is not None and controls is not None
        assert newest["y"] + newest["height"] <= controls["y"] + 1, (newest, controls)
        _long_conversation(page)
        chat = page.evaluate(
            "() => { const c = document.getElementById('chat');"
            " return [c.scrollHeight, c.clientHeight]; }"
        )
        assert chat[0] > chat[1], "the conversation scrolls inside its own box"
        for selector in ("#talk", "#text-input", "#send"):
            _in_reach(page, selector)
        # A tap on the message box (where it is now, without scrolling) types there.
        box = page.locator("#text-input").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("#text-input")).to_be_focused()
        _shot(page, f"voice-long-conversation-{viewport['width']}")


def test_the_talk_hint_names_the_space_key_only_where_there_is_a_keyboard(
    browser: Browser, stack: RunningStack
) -> None:
    touch = {"viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}
    with _open_page(browser, stack, **touch) as phone:
        phone.goto("/voice_assistant")
        expect(phone.locator("#connection")).to_have_text("connected")
        hint = phone.locator("#talk-help")
        expect(hint).to_contain_text("Press and hold")
        expect(hint).not_to_contain_text("Space")
    with _open_page(browser, stack, viewport=DESKTOP) as desktop:  # type: ignore[arg-type]
        desktop.goto("/voice_assistant")
        expect(desktop.locator("#connection")).to_have_text("connected")
        expect(desktop.locator("#talk-help")).to_contain_text("Space key")


# ---- words, not codes ------------------------------------------------------------------------

RELAY_STATUSES = [
    "recording",
    "listening",
    "stopped_listening",
    "speech_started",
    "speech_ended",
    "barge_in",
    "cancelled",
    "voice providers updated",
    "nothing to cancel",
    "no_speech",
    "a_status_from_a_newer_relay",
]


def _shown(page: Page) -> str:
    return str(page.evaluate("() => document.querySelector('main').innerText"))


def test_no_status_or_error_the_relay_sends_shows_an_internal_code(page: Page) -> None:
    _signed_in(page)
    receive = "frame => window.convonetDebug.receive(frame)"
    for message in RELAY_STATUSES:
        page.evaluate(receive, {"type": "status", "message": message, "turn_id": "t-status"})
        assert "_" not in _shown(page), message
    codes = [c for c in get_args(ErrorCode) if c not in ("auth_failed", "auth_locked")]
    for code in codes:
        for turn in ({}, {"turn_id": f"t-{code.replace('_', '-')}"}):
            # A failed turn's message is the agent's apology, written for the caller.
            message = "Sorry, that did not work." if code == "turn_failed" else "for programs"
            page.evaluate(receive, {"type": "error", "code": code, "message": message} | turn)
            shown = _shown(page)
            assert code not in shown and "_" not in shown, (code, turn, shown)
            assert "for programs" not in shown, (code, turn, shown)
    _shot(page, "voice-every-error")
    page.evaluate(receive, {"type": "error", "code": "auth_locked", "message": "try again later"})
    expect(page.locator("#signin-error")).to_have_text("Sign-in locked: try again later.")


def test_an_account_that_is_not_one_gets_words_not_a_code(page: Page) -> None:
    page.goto("/voice_assistant")
    expect(page.locator("#connection")).to_have_text("connected")
    page.get_by_label("Email or phone number").fill("nobody")
    page.get_by_label("PIN").fill(DEMO_PIN)
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#signin-error")
    expect(error).to_contain_text("email address or phone number")
    expect(error).not_to_contain_text("invalid_message")
    assert "_" not in _shown(page)
