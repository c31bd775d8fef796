"""Fitting a reply to the size limits of the messages that carry it.

A spoken piece (``AgentReply.text``) is cut, never shortened: every word of the reply is still
spoken, in pieces that each fit. A copy kept for the record (the monitor's ``text_out``, the
stored turn) is truncated with a marker, so a reader sees that something was left off.
"""

from __future__ import annotations

from collections.abc import Iterable

from annotated_types import MaxLen
from pydantic import BaseModel

TRUNCATION_MARKER = "…"


def declared_max_length(model: type[BaseModel], field: str, *, otherwise: int | None = None) -> int:
    """The ``max_length`` a model declares for a field, so a limit is written once, in the
    contract, and read from there; ``otherwise`` when the field declares none."""
    for constraint in model.model_fields[field].metadata:
        if isinstance(constraint, MaxLen):
            return int(constraint.max_length)
    if otherwise is None:
        raise LookupError(f"{model.__name__}.{field} declares no max_length")
    return otherwise


def cut_to_fit(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between words; a word longer
    than ``limit`` on its own is cut inside it. Whitespace between words becomes one space."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for word in text.split():
        for part in _hard_split(word, limit):
            joined = f"{current} {part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def pieces_within(sentences: Iterable[str], limit: int) -> list[str]:
    """The sentences in order, each one over ``limit`` cut into pieces that fit."""
    return [piece for sentence in sentences for piece in cut_to_fit(sentence, limit)]


def truncated(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its start and the marker."""
    if len(text) <= limit:
        return text
    keep = limit - len(TRUNCATION_MARKER)
    return text[:keep] + TRUNCATION_MARKER if keep > 0 else text[:limit]


def _hard_split(word: str, limit: int) -> list[str]:
    return [word[i : i + limit] for i in range(0, len(word), limit)]
