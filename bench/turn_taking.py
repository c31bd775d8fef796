"""Hands-free turn-taking: fixed 300 ms silence vs the Smart Turn policy (ADR 0018). No network.

The 12 ``joe`` fixture clips, plain and with 300/500/700 ms of silence spliced into a word gap
inside the sentence, are fed 20 ms at a time through ``StreamingCapture``. Reported: how often
an utterance ended inside the sentence (a false endpoint), the silence waited after the true
end, and the model's inference time. ``python -m bench.run turn_taking``.
"""

from __future__ import annotations

import base64
import json
import statistics
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.speech.turn_taking import TurnPolicy, TurnScorer
from websocket_relay.audio_input import Limits, StreamingCapture

RATE = 16_000
FRAME = RATE * 20 // 1000  # samples in one 20 ms client frame
PAUSES_MS = (300, 500, 700)
THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95)


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


def feed(
    pcm: np.ndarray,
    model: TurnScorer | None = None,
    policy: TurnPolicy | None = None,
    silence_ms: int = 300,
    tail_ms: int = 2000,
) -> Run:
    """Stream ``pcm`` plus ``tail_ms`` of silence through a StreamingCapture."""
    capture = StreamingCapture(
        Limits(8 * 1024 * 1024, 60.0, 1000), RATE, silence_ms, 2, turn_model=model,
        turn_policy=policy,
    )  # fmt: skip
    stream = np.concatenate([pcm, np.zeros(RATE * tail_ms // 1000, dtype=np.int16)])
    ends: list[int] = []
    waited = None
    for i, start in enumerate(range(0, stream.size - FRAME + 1, FRAME)):
        data = base64.b64encode(stream[start : start + FRAME].tobytes()).decode()
        for kind, _ in capture.add(i, data):
            if kind == "speech_ended":
                ep = capture.endpointer
                ends.append(ep.position_ms)
                waited = ep.position_ms - ep._last_voiced_end_ms
    return Run(ends, waited, list(capture.endpointer.model_ms))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values), q))


def evaluate(model: TurnScorer | None, policy: TurnPolicy | None) -> dict[str, Any]:
    paused_total = paused_false = plain_false = 0
    waited: list[float] = []
    model_ms: list[float] = []
    detail = []
    for clip_id, _text, pcm in clips():
        plain = feed(pcm, model, policy)
        model_ms += plain.model_ms
        plain_false += len(plain.ends_ms) != 1
        if plain.waited_ms is not None:
            waited.append(plain.waited_ms)
        at = word_gap(pcm)
        for pause in PAUSES_MS:
            spliced = splice(pcm, at, pause)
            run = feed(spliced, model, policy)
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


def run() -> dict[str, Any]:
    from shared.speech.turn_end import shared_model

    model = shared_model()
    policy = TurnPolicy()
    sweep = {}
    for threshold in THRESHOLDS:
        f = evaluate(model, TurnPolicy(threshold=threshold))
        sweep[str(threshold)] = {k: v for k, v in f.items() if k != "detail"}
    return {
        "clips": len(clips()),
        "pauses_ms": list(PAUSES_MS),
        "fixed_300ms": evaluate(None, None),
        "model_policy": {"policy": policy.__dict__, **evaluate(model, policy)},
        "threshold_sweep": sweep,
    }


def print_report(figures: dict[str, Any]) -> None:
    print(_summary(figures))


def _summary(figures: dict[str, Any]) -> str:
    lines = []
    rows = [("fixed_300ms", figures["fixed_300ms"]), ("model_policy", figures["model_policy"])]
    rows += [(f"  threshold {t}", f) for t, f in figures.get("threshold_sweep", {}).items()]
    for name, f in rows:
        w, m = f["silence_waited_after_true_end_ms"], f["model_inference_ms"]
        lines.append(
            f"{name}: false endpoints {f['false_endpoint_rate']:.0%} of "
            f"{f['mid_sentence_pauses']}, waited median {w['median']} p95 {w['p95']} ms, "
            f"model {m['median']} ms ({m['calls']} calls)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print_report(run())
