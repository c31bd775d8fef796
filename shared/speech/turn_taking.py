"""When does a silence end the caller's turn? Pure policy, no audio and no model.

The endpointer counts silence after speech. With a turn model it asks once per pause, at
``min_silence_ms``, whether the turn sounds complete (the model hears the speech up to the last
voiced frame, so asking again later in the same pause would get the same answer); it ends the
utterance there when the answer is at least ``threshold``, and at ``max_silence_ms`` in any
case. Speech after the pause starts a new pause and a new question. While a
slot is being dictated (digits, a date, a name) callers pause between groups, so the ceiling
rises to ``dictation_max_silence_ms`` and the model must be surer. See ADR 0018.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class TurnScorer(Protocol):
    """P(turn complete) for 16-bit PCM."""

    last_ms: float

    def probability(self, pcm: bytes, sample_rate: int = 16_000) -> float: ...


@dataclass(frozen=True)
class TurnPolicy:
    min_silence_ms: int = 180
    max_silence_ms: int = 700
    threshold: float = 0.9
    dictation_max_silence_ms: int = 1600
    dictation_threshold: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.min_silence_ms <= self.max_silence_ms <= self.dictation_max_silence_ms:
            raise ValueError("need 0 < min_silence_ms <= max_silence_ms <= dictation ceiling")
        if not 0.0 < self.threshold <= 1.0 or not 0.0 < self.dictation_threshold <= 1.0:
            raise ValueError("thresholds are probabilities in (0, 1]")

    def ceiling_ms(self, dictating: bool = False) -> int:
        """Silence after which the turn ends whatever the model says."""
        return self.dictation_max_silence_ms if dictating else self.max_silence_ms

    def threshold_for(self, dictating: bool = False) -> float:
        return self.dictation_threshold if dictating else self.threshold

    def should_ask(self, silent_ms: int, asked: bool) -> bool:
        """Ask the model now? Once per pause, when it reaches ``min_silence_ms``."""
        return not asked and silent_ms >= self.min_silence_ms

    def is_complete(self, probability: float, dictating: bool = False) -> bool:
        return probability >= self.threshold_for(dictating)

    def decide(self, silent_ms: int, probability: float | None, dictating: bool = False) -> bool:
        """True: end the utterance now. ``probability`` is None when the model was not asked."""
        if silent_ms >= self.ceiling_ms(dictating):
            return True
        return probability is not None and self.is_complete(probability, dictating)
