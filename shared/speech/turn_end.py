"""Has the caller finished their turn? Smart Turn v3.2 (BSD-2) on onnxruntime, numpy features.

The model (``smart-turn-v3.2-cpu.onnx``, a Whisper-tiny encoder with a classifier head) hears
the last 8 s of the turn at 16 kHz and answers the probability that the turn is complete. It
is fetched into ``.models/`` by ``scripts/fetch-models.sh`` (``make setup``); the relay image
copies it next to the code. Features are Whisper's 80-bin log-mel spectrogram, computed here
with numpy so the relay needs neither torch nor faster-whisper.
"""

from __future__ import annotations

import os
import threading
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "smart-turn-v3.2-cpu.onnx"
MODEL_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
RATE = 16_000
WINDOW_S = 8
N_FFT = 400
HOP = 160
N_MELS = 80


def model_path() -> Path:
    """``CONVONET_TURN_MODEL_PATH``, else ``.models/`` at the repository (or bundle) root."""
    override = os.environ.get("CONVONET_TURN_MODEL_PATH")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / ".models" / MODEL_NAME


def _mel(hz: np.ndarray) -> np.ndarray:
    # Slaney's scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    hz = np.asarray(hz, dtype=np.float64)
    lin = hz * 3.0 / 200.0
    return np.where(
        hz < 1000.0, lin, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * 27.0 / np.log(6.4)
    )


def _hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(
        mel < 15.0, mel * 200.0 / 3.0, 1000.0 * np.exp((mel - 15.0) * np.log(6.4) / 27.0)
    )


@lru_cache(maxsize=1)
def _filterbank() -> np.ndarray:
    """Triangular mel filters, area-normalised (Slaney), shape (80, 201)."""
    bins = np.fft.rfftfreq(N_FFT, 1.0 / RATE)
    edges = _hz(np.linspace(0.0, float(_mel(np.array(RATE / 2))), N_MELS + 2))
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rise = (bins[None, :] - left) / (centre - left)
    fall = (right - bins[None, :]) / (right - centre)
    tri = np.maximum(0.0, np.minimum(rise, fall))
    out: np.ndarray = (tri * (2.0 / (right - left))).astype(np.float32)
    return out


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)).astype(np.float32)  # periodic Hann


def features(audio: np.ndarray) -> np.ndarray:
    """Whisper log-mel (80 x 800) of the last 8 s of ``audio`` (float, 16 kHz), left-padded."""
    n = RATE * WINDOW_S
    x = np.asarray(audio, dtype=np.float32)[-n:]
    if x.size < n:
        x = np.concatenate([np.zeros(n - x.size, dtype=np.float32), x])
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)  # the model was trained on normalised audio
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _window(), axis=-1)) ** 2  # (801, 201)
    mel = _filterbank() @ power.T.astype(np.float32)
    logmel = np.log10(np.maximum(mel, 1e-10))[:, :-1]
    logmel = np.maximum(logmel, logmel.max() - 8.0)
    out: np.ndarray = ((logmel + 4.0) / 4.0).astype(np.float32)
    return out


class TurnModel:
    """One onnxruntime session: ``probability(pcm16)`` → P(turn complete)."""

    def __init__(self, path: Path | str | None = None, threads: int = 1):
        import onnxruntime as ort

        self.path = Path(path) if path else model_path()
        if not self.path.is_file():
            raise FileNotFoundError(
                f"{self.path} is missing: run `make setup` (scripts/fetch-models.sh)"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(self.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._lock = threading.Lock()  # a session is thread-safe, but one run at a time suffices
        self.last_ms = 0.0

    def probability(self, pcm: bytes | np.ndarray, sample_rate: int = RATE) -> float:
        """P(the turn is complete) for 16-bit PCM (bytes or int16 array) or float audio."""
        if isinstance(pcm, bytes | bytearray):
            audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        else:
            audio = np.asarray(pcm)
            if audio.dtype.kind == "i":
                audio = audio.astype(np.float32) / 32768.0
        if sample_rate != RATE:
            audio = _resample(audio, sample_rate)
        started = time.perf_counter()
        feats = features(audio)[None, :, :]
        with self._lock:
            out = self._session.run(None, {self._input: feats})
        self.last_ms = (time.perf_counter() - started) * 1000
        return float(np.asarray(out[0]).reshape(-1)[0])


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    """Linear resampling to 16 kHz: enough for a turn classifier (8 kHz phone audio)."""
    n = round(audio.size * RATE / rate)
    out: np.ndarray = np.interp(np.linspace(0, audio.size - 1, n), np.arange(audio.size), audio)
    return out.astype(np.float32)


_shared: TurnModel | None = None
_shared_lock = threading.Lock()


def shared_model() -> TurnModel:
    """The process's one model, loaded (and warmed) on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            model = TurnModel()
            model.probability(np.zeros(RATE, dtype=np.float32))  # warm-up: the first run is slow
            _shared = model
        return _shared


def shared_model_or_none() -> TurnModel | None:
    """``shared_model()``, or None (fixed-silence endpointing) when the model cannot load."""
    try:
        return shared_model()
    except (FileNotFoundError, ImportError, RuntimeError) as exc:
        import logging

        logging.getLogger(__name__).warning("turn model unavailable, fixed silence: %s", exc)
        return None
