"""Matching what a caller said to a named thing that has synonyms ("an MRI of my knee" →
advanced imaging, "a heart doctor" → cardiology), and spoken reference numbers to stored ones."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from shared.mcp_server import text

T = TypeVar("T")
# Titles say nothing about which provider is meant ("Dr. Chen" is Maya Chen, MD).
_TITLES = {"dr", "doctor", "md", "do", "np", "dds", "phd"}


@dataclass(frozen=True)
class Named:
    """A row of a vocabulary table: a code, a display name and the words callers use for it."""

    code: str
    name: str
    terms: tuple[str, ...]

    def phrases(self) -> tuple[str, ...]:
        return (self.name, *self.terms)


def _stem(word: str) -> str:
    # Plurals match singulars ("mammograms", "x rays"); applied alike to both sides.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def spoken_words(said: str) -> set[str]:
    return {_stem(w) for w in text.words(said)}


def by_phrase(said: str, options: Sequence[T], phrases: Callable[[T], Iterable[str]]) -> T | None:
    """The option one of whose phrases the caller said in full; the longest phrase wins, so
    "physical therapy" beats "physical". Failing that, the option whose phrases share at least
    half of the caller's words (text.best_match), else None."""
    heard = spoken_words(said)
    best: tuple[int, T | None] = (0, None)
    for option in options:
        for phrase in phrases(option):
            wanted = spoken_words(phrase)
            if wanted and wanted <= heard and len(wanted) > best[0]:
                best = (len(wanted), option)
    if best[1] is not None:
        return best[1]
    return text.best_match(said, options, lambda o: " ".join(phrases(o)))


def name_words(said: str) -> set[str]:
    """The words of a spoken name that can tell one name from another (no titles)."""
    return spoken_words(said) - _TITLES


def by_name(said: str, options: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """Every option whose name shares the most of the caller's words (at least half of them,
    titles such as "Dr." aside); several when they tie."""
    heard = name_words(said)
    if not heard:
        return []
    scored = [(len(heard & spoken_words(name(o))) / len(heard), o) for o in options]
    top = max((score for score, _ in scored), default=0.0)
    return [o for score, o in scored if score == top] if top >= 0.5 else []


def reference(spoken: str) -> str:
    """A reference number as the caller may say it ("P A one..." typed as "pa-1000 001"):
    letters and digits only, upper case. Compare it with :func:`reference_sql`."""
    return re.sub(r"[^A-Z0-9]", "", spoken.upper())


def reference_sql(column: str) -> str:
    """SQL true when ``column`` is the number in ``:ref``, given with or without its letters
    ("PA-1000001", "PA1000001" or "1000001"). ``column`` is ours, never the caller's."""
    return (
        f"(regexp_replace(upper({column}), '[^A-Z0-9]', '', 'g') = :ref"
        f" OR regexp_replace({column}, '[^0-9]', '', 'g') = :ref)"
    )
