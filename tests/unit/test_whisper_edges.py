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
