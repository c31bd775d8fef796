"""The offline STT hears the edges of push-to-talk utterances: the real Whisper tiny.en model on
the fixture clips cut tight to the speech (no silence before or after), as when the button is
pressed late and released early. Before the lead-in pad and the longer tail pad and decoder
bound, "... under the name Kim." came back as "... under the name" (see ADR 0007)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from bench.wer import FIXTURES, last_word_lost, load
from tests.speech_metrics import word_error_rate

pytestmark = pytest.mark.unit

CLIPS = json.loads((FIXTURES / "manifest.json").read_text()) if FIXTURES.exists() else []
JOE = [c for c in CLIPS if c["voice"] == "joe"]


@pytest.fixture(scope="module")
def stt() -> Any:
    if not CLIPS:
        pytest.skip("speech fixtures are missing")
    from shared.speech.whisper import WhisperSTT

    model = WhisperSTT(threads=2)
    model.warm_up()
    return model


@pytest.fixture(scope="module")
def heard(stt: Any) -> dict[tuple[str, str, str], str]:
    out = {}
    for clip in CLIPS:
        for kind in ("ptt", "webm"):
            out[(clip["id"], clip["voice"], kind)] = stt.transcribe(load(clip, kind)).text
    return out


@pytest.mark.parametrize("clip", JOE, ids=[c["id"] for c in JOE])
@pytest.mark.parametrize("kind", ["ptt", "webm"])
def test_the_last_word_of_each_joe_clip_is_heard(
    heard: dict[tuple[str, str, str], str], clip: dict[str, Any], kind: str
) -> None:
    text = heard[(clip["id"], "joe", kind)]
    assert not last_word_lost(clip["text"], text), (clip["text"], text)


@pytest.mark.parametrize(("voice", "bound"), [("joe", 0.05), ("espeak", 0.20)])
def test_tight_clip_word_error_rate(
    heard: dict[tuple[str, str, str], str], voice: str, bound: float
) -> None:
    pairs = [(c["text"], heard[(c["id"], voice, "ptt")]) for c in CLIPS if c["voice"] == voice]
    assert word_error_rate(pairs) <= bound, pairs


def test_a_clip_with_no_silence_at_all_is_not_cut(stt: Any) -> None:
    clip = next(c for c in JOE if c["id"] == "hanok-book")
    pcm = load(clip, "ptt")
    assert np.abs(pcm[:10].astype(np.int32)).max() > 0
    assert "kim" in stt.transcribe(pcm).text.lower()


@pytest.mark.parametrize(
    "text,seconds,expected",
    [
        ("okay okay okay okay okay okay okay okay okay okay", 0.5, "okay"),
        ("Right Right Right Right Right Right Right", 0.4, "Right"),
        ("Got it Got it Got it Got it Got it", 0.6, "Got it"),
        # as many words as the speech could hold: a real repetition is kept
        ("My pin is one one one one", 2.0, "My pin is one one one one"),
        ("yeah yeah", 0.5, "yeah yeah"),
    ],
)
def test_a_repeating_tail_longer_than_the_speech_is_kept_once(
    text: str, seconds: float, expected: str
) -> None:
    from shared.speech.whisper import strip_repetition

    assert strip_repetition(text, seconds) == expected


def test_a_sentence_that_restarts_an_earlier_one_is_cut() -> None:
    from shared.speech.whisper import strip_repetition

    heard = (
        "What would my monthly payment be on a $400,000 loan at 5.5% for 30 years? "
        "Well would my monthly payment be on a $400,000 loan at 5."
    )
    assert strip_repetition(heard, 5.0) == (
        "What would my monthly payment be on a $400,000 loan at 5.5% for 30 years?"
    )
    kept = "Add a todo. Add another one for Friday."  # a new sentence, not a restart
    assert strip_repetition(kept, 3.0) == kept
    echo = "Schedule a meeting with the design team next Monday at 10 am. 10."
    assert strip_repetition(echo, 4.0) == echo.removesuffix(" 10.")
    answer = "Is it at ten? No."  # a short sentence of its own stays
    assert strip_repetition(answer, 2.0) == answer
    again = (  # the same sentence said again after a fragment (the webm calendar clip)
        "Schedule a meeting with the design team next Monday at 10 am. "
        "10 AM Schedule a meeting with the design team next Monday at 10 am."
    )
    assert strip_repetition(again, 4.0) == again.split(" 10 AM ")[0]
    two = "Add milk to my shopping list. Then add eggs to my shopping list."  # shares 4 words
    assert strip_repetition(two, 4.0) == two


def test_speech_over_a_reply_is_heard_as_the_backchannel_it_is(stt: Any) -> None:
    """The relay's barge check: the espeak-ng bursts over a reply, with stt's primer. Without
    it "Sure." came back as "short short short..." and "Mm-hmm." as a loop of "and"."""
    from functions.stt.handler import BARGE_CHECK_HINTS
    from tests.barge_scenario import BACKCHANNEL_CLIPS, INTERRUPTION_CLIPS, pcm
    from websocket_relay.backchannel import classify

    def heard(clip: str) -> str:
        audio = bytes(6400) + pcm(clip) + bytes(22400)  # as the relay cuts it: pre-roll, silence
        return str(stt.transcribe(np.frombuffer(audio, "<i2"), hints=BARGE_CHECK_HINTS).text)

    verdicts = {clip: classify(heard(clip)) for clip in [*BACKCHANNEL_CLIPS, *INTERRUPTION_CLIPS]}
    for clip in BACKCHANNEL_CLIPS:  # "uh-huh" may also come back as no words at all (noise)
        allowed = ("backchannel", "noise") if clip == "uh-huh" else ("backchannel",)
        assert verdicts[clip] in allowed, (clip, verdicts)
    for clip in INTERRUPTION_CLIPS:
        assert verdicts[clip] == "interruption", (clip, verdicts)
