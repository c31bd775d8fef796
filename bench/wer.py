"""Word error rate of the offline STT by clip set, decoded as push-to-talk would decode them.

``python -m bench.wer``: every fixture clip (``../shared/fixtures/speech``) through
``WhisperSTT.transcribe`` (2 threads): the 16 kHz WAV, the browser's WebM/Opus through
``shared.speech.audio.decode``, the 8 kHz mu-law, and the WAV cut tight to the speech (``ptt``:
no silence before or after, as when the button is pressed late and released early). Prints and
writes ``bench/results/wer.json``: WER per set, the clips whose last reference word is missing,
and decode ms median / p95. Needs no stack.
"""

from __future__ import annotations

import json
import re
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "speech"
RESULTS = ROOT / "bench" / "results"


def tight(pcm: np.ndarray, level: int = 300) -> np.ndarray:
    """The clip cut to its first and last sample above ``level``."""
    loud = np.nonzero(np.abs(pcm.astype(np.int32)) > level)[0]
    return pcm[loud[0] : loud[-1] + 1] if loud.size else pcm


def load(clip: dict[str, Any], kind: str) -> np.ndarray:
    from shared.speech import audio

    if kind in ("wav", "ptt"):
        with wave.open(str(FIXTURES / clip["wav_16k"])) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return tight(pcm) if kind == "ptt" else pcm
    if kind == "webm":
        return audio.decode((FIXTURES / clip["webm_opus"]).read_bytes(), "audio/webm")
    return audio.decode((FIXTURES / clip["ulaw_8k"]).read_bytes(), "audio/x-mulaw")


def last_word_lost(reference: str, hypothesis: str) -> bool:
    from tests.speech_metrics import normalise

    # "10am" and "10AM" are "ten am", not a lost word (the shared normaliser reads "tenam").
    hypothesis = re.sub(r"(\d)([ap]\.?m)\b", r"\1 \2", hypothesis, flags=re.IGNORECASE)
    ref, hyp = normalise(reference), normalise(hypothesis)
    return bool(ref) and ref[-1] not in hyp[-3:]


def run(stt: Any = None) -> dict[str, Any]:
    from shared.speech.whisper import WhisperSTT
    from tests.speech_metrics import word_error_rate

    stt = stt or WhisperSTT(threads=2)
    stt.warm_up()
    clips = json.loads((FIXTURES / "manifest.json").read_text())
    sets: dict[str, Any] = {}
    lost: list[dict[str, str]] = []
    all_ms: list[float] = []
    for kind in ("wav", "webm", "ulaw", "ptt"):
        for voice in ("joe", "espeak"):
            pairs, ms = [], []
            for clip in (c for c in clips if c["voice"] == voice):
                pcm = load(clip, kind)
                start = time.perf_counter()
                text = stt.transcribe(pcm).text
                ms.append((time.perf_counter() - start) * 1000)
                pairs.append((clip["text"], text))
                if last_word_lost(clip["text"], text):
                    lost.append({"set": f"{voice} {kind}", "id": clip["id"], "heard": text})
            all_ms += ms
            sets[f"{voice} {kind}"] = {
                "clips": len(pairs),
                "wer": round(word_error_rate(pairs), 4),
                "decode_ms_median": round(float(np.median(ms)), 1),
                "decode_ms_p95": round(float(np.percentile(ms, 95)), 1),
                "heard": {ref: hyp for ref, hyp in pairs},
            }
    return {
        "sets": sets,
        "last_word_lost": lost,
        "decode_ms_median": round(float(np.median(all_ms)), 1),
        "decode_ms_p95": round(float(np.percentile(all_ms, 95)), 1),
    }


def print_report(figures: dict[str, Any]) -> None:
    print("Offline STT word error rate by clip set (WhisperSTT, 2 threads)")
    for name, s in figures["sets"].items():
        print(
            f"  {name:<12} WER {s['wer'] * 100:5.1f} %   decode ms median "
            f"{s['decode_ms_median']:6.1f}  p95 {s['decode_ms_p95']:6.1f}"
        )
    print(
        f"  all clips: decode ms median {figures['decode_ms_median']},"
        f" p95 {figures['decode_ms_p95']}"
    )
    print(f"  clips that lost their last word: {len(figures['last_word_lost'])}")
    for item in figures["last_word_lost"]:
        print(f"    {item['set']} {item['id']}: {item['heard']!r}")


def main() -> int:
    from bench.run import _write

    figures = run()
    print_report(figures)
    print(f"written to {_write('wer', figures).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
