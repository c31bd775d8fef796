"""Turn-taking (ADR 0018): the policy, the Smart Turn model, and the endpointer using both."""

from __future__ import annotations

import numpy as np
import pytest

from bench.turn_taking import clips, feed, splice, word_gap
from shared.speech.turn_end import MODEL_SHA256, features, model_path, shared_model
from shared.speech.turn_taking import TurnPolicy
from shared.speech.vad import Endpointer

pytestmark = pytest.mark.unit

RATE = 16_000


def clip(clip_id: str) -> np.ndarray:
    return next(pcm for cid, _text, pcm in clips() if cid == clip_id)


# -- the policy -------------------------------------------------------------------------------


def test_policy_asks_once_per_pause_at_the_minimum_silence() -> None:
    p = TurnPolicy(min_silence_ms=180)
    assert not p.should_ask(150, asked=False)
    assert p.should_ask(180, asked=False)
    assert not p.should_ask(400, asked=True)


def test_policy_ends_on_a_sure_model_or_at_the_ceiling() -> None:
    p = TurnPolicy(min_silence_ms=180, max_silence_ms=1000, threshold=0.9)
    assert p.decide(180, 0.95)
    assert not p.decide(180, 0.5)
    assert not p.decide(600, None)
    assert p.decide(1000, None)
    assert p.decide(1000, 0.01)


def test_dictation_holds_longer_and_needs_a_surer_model() -> None:
    p = TurnPolicy(max_silence_ms=1000, dictation_max_silence_ms=1600, dictation_threshold=0.95)
    assert p.ceiling_ms(dictating=True) == 1600
    assert not p.decide(1200, None, dictating=True)
    assert p.decide(1600, None, dictating=True)
    assert p.decide(200, 0.92) and not p.decide(200, 0.92, dictating=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_silence_ms": 0},
        {"min_silence_ms": 500, "max_silence_ms": 400},
        {"max_silence_ms": 2000, "dictation_max_silence_ms": 1500},
        {"threshold": 0.0},
        {"dictation_threshold": 1.5},
    ],
)
def test_policy_refuses_nonsense(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        TurnPolicy(**kwargs)


class Scripted:
    """A turn model that answers from a list, and records what it heard."""

    def __init__(self, answers: list[float]):
        self.answers = list(answers)
        self.heard: list[int] = []
        self.last_ms = 0.0

    def probability(self, pcm: bytes, sample_rate: int = RATE) -> float:
        self.heard.append(len(pcm))
        return self.answers.pop(0)


def _events(ep: Endpointer, pcm: np.ndarray) -> list[tuple[str, int]]:
    out = []
    data = pcm.astype("<i2").tobytes()
    for i in range(0, len(data), 640):
        out += [(e.kind, ep.position_ms) for e in ep.push(data[i : i + 640])]
    return out


def _with_tail(pcm: np.ndarray, ms: int = 2000) -> np.ndarray:
    return np.concatenate([pcm, np.zeros(RATE * ms // 1000, dtype=np.int16)])


def test_endpointer_ends_at_the_first_check_when_the_model_is_sure() -> None:
    model = Scripted([0.99])
    ep = Endpointer(turn_model=model, policy=TurnPolicy(min_silence_ms=180))
    events = _events(ep, _with_tail(clip("todo-list")))
    ended = [pos for kind, pos in events if kind == "speech_ended"]
    assert len(ended) == 1 and len(model.heard) == 1
    assert ep.position_ms - ep._last_voiced_end_ms >= 0
    assert ended[0] - ep._last_voiced_end_ms == 180
    # The model heard the speech only, not the silence it was asked about.
    assert model.heard[0] <= ep._last_voiced_end_ms * 32


def test_endpointer_waits_for_the_ceiling_when_the_model_is_unsure() -> None:
    ep = Endpointer(turn_model=Scripted([0.1]), policy=TurnPolicy(max_silence_ms=900))
    _events(ep, _with_tail(clip("todo-list")))
    # Look at the last speech_ended: the silence waited is the ceiling.
    assert ep.position_ms - ep._last_voiced_end_ms >= 900


def test_endpointer_without_a_model_keeps_the_fixed_silence() -> None:
    ep = Endpointer(silence_ms=300)
    events = _events(ep, _with_tail(clip("todo-list")))
    ended = [pos for kind, pos in events if kind == "speech_ended"]
    assert len(ended) == 1 and ended[0] - ep._last_voiced_end_ms == 300


# -- the real model ---------------------------------------------------------------------------


def test_the_model_file_is_fetched_and_verified() -> None:
    import hashlib

    path = model_path()
    assert path.is_file(), "run make setup (scripts/fetch-models.sh)"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == MODEL_SHA256


def test_features_match_whispers_log_mel() -> None:
    from faster_whisper.feature_extractor import FeatureExtractor

    audio = clip("hanok-book").astype(np.float32) / 32768
    n = RATE * 8
    padded = np.concatenate([np.zeros(n - audio.size, np.float32), audio])
    padded = (padded - padded.mean()) / np.sqrt(padded.var() + 1e-7)
    reference = FeatureExtractor(chunk_length=8)(padded, padding=0)[:, :800]
    ours = features(audio)
    assert ours.shape == (80, 800)
    assert np.abs(ours - reference).max() < 1e-4


def test_the_model_hears_a_finished_sentence_and_one_cut_mid_phrase() -> None:
    model = shared_model()
    pcm = clip("reminder-create")  # "Remind me to water the plants | at six p.m. tomorrow."
    assert model.probability(pcm) >= 0.9
    assert model.probability(pcm[: word_gap(pcm)]) < 0.5


def test_a_mid_sentence_pause_splits_with_fixed_silence_but_not_with_the_model() -> None:
    pcm = clip("reminder-create")
    spliced = splice(pcm, word_gap(pcm), 500)
    assert len(feed(spliced).ends_ms) == 2
    with_model = feed(spliced, shared_model(), TurnPolicy())
    assert len(with_model.ends_ms) == 1
    assert with_model.waited_ms is not None and with_model.waited_ms < 300
