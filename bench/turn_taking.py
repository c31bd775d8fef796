"""Hands-free turn-taking: fixed 300 ms silence vs the Smart Turn policy (ADR 0018). No network.

The 12 ``joe`` fixture clips, plain and with 300/500/700 ms of silence spliced into a word gap
inside the sentence, are fed 20 ms at a time through ``StreamingCapture``. Reported: how often
an utterance ended inside the sentence (a false endpoint), the silence waited after the true
end, and the model's inference time; and the same with the words heard at each pause (the
offline recogniser, timed) holding an unfinished turn open (ADR 0020).
``python -m bench.run turn_taking``.
"""

from __future__ import annotations

import base64
import json
import math
import statistics
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.speech.dictation import ends_unfinished
from shared.speech.turn_taking import TurnPolicy, TurnScorer
from websocket_relay.audio_input import Limits, StreamingCapture

RATE = 16_000
FRAME = RATE * 20 // 1000  # samples in one 20 ms client frame
PAUSES_MS = (300, 500, 700)
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95)
HOPS_MS = 40  # stt's words reach the relay: two bus hops on the local stack
WORDS_WAIT_MS = 400  # the relay's default (CONVONET_TURN_WORDS_WAIT_MS)


def fixtures_dir() -> Path:
    from tests.conftest import FIXTURES

    return Path(FIXTURES) / "speech"


def load(name: str) -> np.ndarray:
    with wave.open(str(fixtures_dir() / name)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


def clips() -> list[tuple[str, str, np.ndarray]]:
    """(id, text, pcm) for each 16 kHz joe clip."""
    manifest = json.loads((fixtures_dir() / "manifest.json").read_text())
    return [(m["id"], m["text"], load(m["wav_16k"])) for m in manifest if m["voice"] == "joe"]


def _energy(pcm: np.ndarray, win: int = 160) -> np.ndarray:
    n = pcm.size // win
    x = pcm[: n * win].astype(np.float64).reshape(n, win)
    return np.sqrt((x**2).mean(axis=1))  # RMS per 10 ms


def word_gap(pcm: np.ndarray) -> int:
    """Sample index of the quietest 10 ms inside the sentence (30-75 % of the voiced span)."""
    e = _energy(pcm)
    loud = np.flatnonzero(e > e.max() * 0.05)
    first, last = int(loud[0]), int(loud[-1])
    lo, hi = first + (last - first) * 30 // 100, first + (last - first) * 75 // 100
    smooth = np.convolve(e, np.ones(5) / 5, mode="same")  # a 50 ms dip, not a stop consonant
    return (lo + int(np.argmin(smooth[lo:hi]))) * 160


def splice(pcm: np.ndarray, at: int, pause_ms: int) -> np.ndarray:
    gap = np.zeros(RATE * pause_ms // 1000, dtype=np.int16)
    return np.concatenate([pcm[:at], gap, pcm[at:]])


def speech_end(pcm: np.ndarray) -> int:
    """ms from the start where the clip's speech ends (last 10 ms above 5 % of peak energy)."""
    e = _energy(pcm)
    return (int(np.flatnonzero(e > e.max() * 0.05)[-1]) + 1) * 10


@dataclass
class Run:
    ends_ms: list[int]  # stream position of each speech_ended
    waited_ms: int | None  # silence waited after the last voiced frame, final utterance
    model_ms: list[float]


@dataclass
class Heard:
    """The words of a snapshot, as the relay gets them: due ``at_frame`` (after the
    transcription's own time and the hops)."""

    turn_id: str
    speech_end_ms: int
    text: str
    at_frame: int


Listener = Callable[[bytes], tuple[str, float]]  # snapshot WAV -> (text, seconds it took)


def feed(
    pcm: np.ndarray,
    model: TurnScorer | None = None,
    policy: TurnPolicy | None = None,
    silence_ms: int = 300,
    tail_ms: int = 2000,
    listener: Listener | None = None,
    slot_asked: bool = False,
) -> Run:
    """Stream ``pcm`` plus ``tail_ms`` of silence through a StreamingCapture; with a
    ``listener``, each pause's snapshot is transcribed and its words reach the capture as
    they would the relay's (``ends_unfinished`` holding the turn open)."""
    capture = StreamingCapture(
        Limits(8 * 1024 * 1024, 60.0, 1000), RATE, silence_ms, 2, turn_model=model,
        turn_policy=policy, words_wait_ms=WORDS_WAIT_MS if listener else 0,
    )  # fmt: skip
    if slot_asked:  # the reply the caller answers asked for a slot
        capture.hold_for_slot()
    stream = np.concatenate([pcm, np.zeros(RATE * tail_ms // 1000, dtype=np.int16)])
    ends: list[int] = []
    waited = None
    heard: list[Heard] = []
    for i, start in enumerate(range(0, stream.size - FRAME + 1, FRAME)):
        for h in [h for h in heard if h.at_frame == i]:
            unfinished = ends_unfinished(h.text, capture.endpointer.dictating)
            capture.words_at_pause(h.turn_id, h.speech_end_ms, unfinished)
        data = base64.b64encode(stream[start : start + FRAME].tobytes()).decode()
        for kind, utterance in capture.add(i, data):
            if kind == "pause" and listener is not None and utterance is not None:
                text, took = listener(utterance.data)
                delay = math.ceil((took * 1000 + HOPS_MS) / 20)
                heard.append(Heard(utterance.turn_id, utterance.speech_end_ms, text, i + delay))
            if kind == "speech_ended":
                ep = capture.endpointer
                ends.append(ep.position_ms)
                waited = ep.position_ms - ep._last_voiced_end_ms
    return Run(ends, waited, list(capture.endpointer.model_ms))


def whisper_listener() -> Listener:
    """The offline recogniser stt runs, timed on this machine."""
    from shared.speech import audio
    from shared.speech.whisper import WhisperSTT

    stt = WhisperSTT(threads=2)

    def listen(wav: bytes) -> tuple[str, float]:
        started = time.perf_counter()
        text = stt.transcribe(audio.decode(wav, "audio/wav", RATE, 60.0)).text
        return text, time.perf_counter() - started

    return listen


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values), q))


def evaluate(
    model: TurnScorer | None, policy: TurnPolicy | None, listener: Listener | None = None
) -> dict[str, Any]:
    paused_total = paused_false = plain_false = 0
    waited: list[float] = []
    model_ms: list[float] = []
    detail = []
    for clip_id, _text, pcm in clips():
        plain = feed(pcm, model, policy, listener=listener)
        model_ms += plain.model_ms
        plain_false += len(plain.ends_ms) != 1
        if plain.waited_ms is not None:
            waited.append(plain.waited_ms)
        at = word_gap(pcm)
        for pause in PAUSES_MS:
            spliced = splice(pcm, at, pause)
            run = feed(spliced, model, policy, listener=listener)
            model_ms += run.model_ms
            true_end = speech_end(spliced)
            false = any(end < true_end for end in run.ends_ms)
            paused_total += 1
            paused_false += false
            if run.waited_ms is not None and not false:
                waited.append(run.waited_ms)
            detail.append(
                {"clip": clip_id, "pause_ms": pause, "split_at_ms": at * 1000 // RATE,
                 "utterances": len(run.ends_ms), "false_endpoint": bool(false)}
            )  # fmt: skip
    return {
        "mid_sentence_pauses": paused_total,
        "false_endpoint_rate": round(paused_false / paused_total, 3),
        "plain_clips_split": plain_false,
        "silence_waited_after_true_end_ms": {
            "median": round(statistics.median(waited), 1) if waited else None,
            "p95": round(_pct(waited, 95), 1),
            "n": len(waited),
        },
        "model_inference_ms": {
            "median": round(_pct(model_ms, 50), 1) if model_ms else None,
            "p95": round(_pct(model_ms, 95), 1) if model_ms else None,
            "calls": len(model_ms),
        },
        "detail": detail,
    }


# A caller dictating a slot, group by group: Piper's joe voice, each group trimmed to its
# speech, joined by DICTATION_PAUSES_MS of silence.
DICTATION = {
    "phone": ("My phone number is five five five", "zero one two", "three four five six."),
    "birth-date": ("My date of birth is March", "fourteenth,", "nineteen eighty two."),
    "member-id": ("My member ID is W X Y", "four four seven", "one two nine."),
    "booking-name": ("The booking is under the name", "Park. P A R K."),
}
DICTATION_PAUSES_MS = (600, 900, 1200)
# Each dictation is spoken at these rates (Piper's length_scale), its sampling noise off so
# that every run hears the same audio.
TAKES = (0.9, 1.0, 1.15)


def _voiced(pcm: np.ndarray) -> np.ndarray:
    e = _energy(pcm)
    loud = np.flatnonzero(e > e.max() * 0.05)
    return pcm[int(loud[0]) * 160 : (int(loud[-1]) + 1) * 160]


def dictation_clips() -> dict[str, list[np.ndarray]]:
    """Each dictation at each rate (``name@rate``): its groups as 16 kHz PCM."""
    from piper import SynthesisConfig

    from shared.speech import audio
    from shared.speech.base import wav_bytes
    from shared.speech.piper import PiperTTS

    tts = PiperTTS()

    def say(text: str, rate: float) -> np.ndarray:
        config = SynthesisConfig(length_scale=rate, noise_scale=0.0, noise_w_scale=0.0)
        chunks = [c.audio_int16_array.reshape(-1) for c in tts.voice.synthesize(text, config)]
        wav = wav_bytes(np.concatenate(chunks).astype(np.int16), tts.sample_rate)
        return _voiced(audio.decode(wav, "audio/wav", None, 60.0))

    return {
        f"{name}@{rate}": [say(group, rate) for group in groups]
        for name, groups in DICTATION.items()
        for rate in TAKES
    }


def evaluate_dictation(
    groups_by_clip: dict[str, list[np.ndarray]],
    model: TurnScorer,
    policy: TurnPolicy,
    listener: Listener | None = None,
    slot_asked: bool = False,
) -> dict[str, Any]:
    """How often a pause between dictated groups ended the turn."""
    total = false = 0
    waited: list[float] = []
    detail = []
    for name, groups in groups_by_clip.items():
        for pause in DICTATION_PAUSES_MS:
            gap = np.zeros(RATE * pause // 1000, dtype=np.int16)
            pcm = np.concatenate([part for g in groups for part in (g, gap)][:-1])
            run = feed(pcm, model, policy, listener=listener, slot_asked=slot_asked)
            cut = len(run.ends_ms) > 1
            total += len(groups) - 1
            false += len(run.ends_ms) - 1 if cut else 0
            if not cut and run.waited_ms is not None:
                waited.append(run.waited_ms)
            detail.append({"clip": name, "pause_ms": pause, "utterances": len(run.ends_ms)})
    return {
        "pauses_between_groups": total,
        "false_endpoint_rate": round(false / total, 3),
        "silence_waited_after_true_end_ms": {
            "median": round(statistics.median(waited), 1) if waited else None,
            "p95": round(_pct(waited, 95), 1),
            "n": len(waited),
        },
        "detail": detail,
    }


def dictation(model: TurnScorer, policy: TurnPolicy, listener: Listener) -> dict[str, Any]:
    clips_ = dictation_clips()
    return {
        "clips": {name: list(groups) for name, groups in DICTATION.items()},
        "pauses_ms": list(DICTATION_PAUSES_MS),
        "model_policy": evaluate_dictation(clips_, model, policy),
        "with_words": evaluate_dictation(clips_, model, policy, listener),
        "slot_asked": evaluate_dictation(clips_, model, policy, slot_asked=True),
        "slot_asked_with_words": evaluate_dictation(clips_, model, policy, listener, True),
    }


def run() -> dict[str, Any]:
    from shared.speech.turn_end import shared_model

    model = shared_model()
    policy = TurnPolicy()
    listener = whisper_listener()
    sweep = {}
    for threshold in THRESHOLDS:
        f = evaluate(model, TurnPolicy(threshold=threshold))
        sweep[str(threshold)] = {k: v for k, v in f.items() if k != "detail"}
    return {
        "clips": len(clips()),
        "pauses_ms": list(PAUSES_MS),
        "fixed_300ms": evaluate(None, None),
        "model_policy": {"policy": policy.__dict__, **evaluate(model, policy)},
        # the same, with the words stt hears at each pause holding an unfinished turn open
        "model_policy_with_words": evaluate(model, policy, listener),
        "threshold_sweep": sweep,
        "dictation": dictation(model, policy, listener),
    }


def print_report(figures: dict[str, Any]) -> None:
    print(_summary(figures))


def _summary(figures: dict[str, Any]) -> str:
    lines = []
    rows = [("fixed_300ms", figures["fixed_300ms"]), ("model_policy", figures["model_policy"])]
    if "model_policy_with_words" in figures:
        rows.append(("model_policy_with_words", figures["model_policy_with_words"]))
    rows += [(f"  threshold {t}", f) for t, f in figures.get("threshold_sweep", {}).items()]
    dictated = figures.get("dictation", {})
    for name, f in rows:
        w, m = f["silence_waited_after_true_end_ms"], f["model_inference_ms"]
        lines.append(
            f"{name}: false endpoints {f['false_endpoint_rate']:.0%} of "
            f"{f['mid_sentence_pauses']}, waited median {w['median']} p95 {w['p95']} ms, "
            f"model {m['median']} ms ({m['calls']} calls)"
        )
    for name in ("model_policy", "with_words", "slot_asked", "slot_asked_with_words"):
        if name in dictated:
            f, w = dictated[name], dictated[name]["silence_waited_after_true_end_ms"]
            lines.append(
                f"dictation, {name}: false endpoints {f['false_endpoint_rate']:.0%} of "
                f"{f['pauses_between_groups']} pauses, "
                f"waited median {w['median']} p95 {w['p95']} ms"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print_report(run())
