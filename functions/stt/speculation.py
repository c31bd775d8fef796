"""Which utterances stt transcribes, and when a speculative transcript stands in for a new one.

While the caller speaks, the relay sends speculative snapshots of the turn's audio so far; after
they stop it sends the final utterance. A snapshot's transcript is kept on the turn (never
published) so the final utterance can reuse it instead of transcribing again. Pure functions:
values in, decisions out; the handler does the reading, writing and telling.
"""

from __future__ import annotations

import numpy as np

from shared.speech import vad
from shared.speech.base import Transcript
from shared.turn_record import KeptSpeculation, TurnRecord

SAMPLE_RATE = 16_000
# A snapshot is worth transcribing only if it ends between words (a quiet 30 ms frame)...
PAUSE_SAMPLES = SAMPLE_RATE * 30 // 1000
PAUSE_SPEECH_MS = 30  # this much speech in that last frame means the caller is mid-word
# ...and its transcript is reused only if less speech than this follows it.
REUSE_TAIL_SPEECH_MS = 60
STALE_SECONDS = 0.3  # a snapshot that waited longer than this is skipped unread


def is_stale(ended_at: float, now: float) -> bool:
    """A snapshot this old has a newer snapshot, or the final utterance, behind it."""
    return now - ended_at > STALE_SECONDS


def turn_is_settled(turn: TurnRecord) -> bool:
    """The turn was already transcribed (a redelivery) or cancelled: nothing more to do."""
    return turn.stt_done or turn.cancelled


def final_under_way(turn: TurnRecord) -> bool:
    """The relay opened the turn (gave it a source): the final utterance is on its way."""
    return turn.source is not None


def ends_in_pause(pcm: np.ndarray) -> bool:
    """The audio is longer than one frame and its last frame is quiet: it ends between words."""
    tail = pcm[-PAUSE_SAMPLES:]
    return pcm.size > PAUSE_SAMPLES and not vad.has_speech(tail, min_speech_ms=PAUSE_SPEECH_MS)


def worth_transcribing(turn: TurnRecord, pcm: np.ndarray) -> bool:
    """A snapshot's transcript could be used: the final is not yet under way and the caller is
    between words. (The pause is checked only if the final is not under way.)"""
    return not final_under_way(turn) and ends_in_pause(pcm)


def kept(pcm: np.ndarray, text: str, provider: str, draft: int | None = None) -> KeptSpeculation:
    """What a turn keeps of a snapshot's transcript (its ``speculation`` field)."""
    return KeptSpeculation(samples=int(pcm.size), text=text, provider=provider, draft=draft)


def committed_transcript(turn: TurnRecord, draft: int | None) -> Transcript | None:
    """The kept transcript of the snapshot the turn ended on (the relay heard no speech after
    it, and its draft reply may already be playing), or None if that is not the one kept."""
    spec = turn.speculation
    if draft is None or spec is None or spec.draft != draft:
        return None
    return Transcript(spec.text, spec.provider, no_speech=not spec.text)


def reusable_transcript(turn: TurnRecord, pcm: np.ndarray) -> Transcript | None:
    """The transcript kept from an earlier snapshot, if ``pcm`` extends that snapshot's audio
    with nothing but silence (under ``REUSE_TAIL_SPEECH_MS`` of speech); otherwise None."""
    spec = turn.speculation
    if spec is None or not 0 < spec.samples <= pcm.size:
        return None
    if vad.has_speech(pcm[spec.samples :], min_speech_ms=REUSE_TAIL_SPEECH_MS):
        return None
    return Transcript(spec.text, spec.provider, no_speech=not spec.text)
