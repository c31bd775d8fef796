"""Text a caller dictated, as it can be stored, and matching a spoken name to a stored row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from shared.mcp_server.registry import ToolRefused

# Control characters (PostgreSQL text cannot hold NUL; the others are noise) and unpaired
# surrogates (not encodable as UTF-8) cannot be stored: each becomes a space.
_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_FILLER = {"the", "a", "an", "my", "to", "of", "for"}
T = TypeVar("T")


def clean(raw: str) -> str:
    """The text as it can be stored: each unstorable character a space, spaces collapsed."""
    return _SPACES.sub(" ", _UNSTORABLE.sub(" ", raw)).strip()


def required(raw: str, what: str, max_chars: int) -> str:
    text = clean(raw)
    if not text:
        raise ToolRefused(f"the {what} needs some words")
    if len(text) > max_chars:
        raise ToolRefused(f"the {what} is too long; it can have at most {max_chars} characters")
    return text


def optional(raw: str, what: str, max_chars: int) -> str:
    """Cleaned text that may be empty, refused when too long."""
    text = clean(raw)
    if len(text) > max_chars:
        raise ToolRefused(f"the {what} can have at most {max_chars} characters")
    return text


def as_id(ref: str) -> str | None:
    """``ref`` as a row id (a UUID in canonical form) when it is one; None when it is words."""
    try:
        return str(uuid.UUID(ref.strip()))
    except ValueError:
        return None


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _FILLER}


def best_match(wanted: str, rows: Sequence[T], label: Callable[[T], str]) -> T | None:
    """The row whose label shares the most of the wanted words (at least half), or None."""
    want = words(wanted)
    best: tuple[float, T | None] = (0.0, None)
    for row in rows:
        score = len(want & words(label(row))) / max(len(want), 1)
        if score > best[0]:
            best = (score, row)
    return best[1] if best[0] >= 0.5 else None
