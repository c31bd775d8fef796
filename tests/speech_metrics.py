"""Word error rate with a normaliser, so "to-do" and "todo", "$400,000" and "four hundred
thousand dollar" count as the same words. Used by the voice tests and benchmarks."""

from __future__ import annotations

import re

from shared.speech.normalise import TEN_WORDS, UNIT_WORDS


def number_words(n: int) -> str:
    if n < 20:
        return UNIT_WORDS[n]
    if n < 100:
        return TEN_WORDS[n // 10] + ("" if n % 10 == 0 else " " + UNIT_WORDS[n % 10])
    if n < 1000:
        rest = n % 100
        return UNIT_WORDS[n // 100] + " hundred" + (" " + number_words(rest) if rest else "")
    for size, name in ((1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return number_words(n // size) + f" {name}" + (" " + number_words(rest) if rest else "")
    return str(n)


def normalise(text: str) -> list[str]:
    t = text.lower()
    t = re.sub(r"\bto[- ]dos?\b", lambda m: "todos" if m.group(0).endswith("s") else "todo", t)
    t = re.sub(r"\$([\d,]+)", lambda m: m.group(1).replace(",", "") + " dollar", t)
    t = re.sub(r"(\d+(?:\.\d+)?)\s*%", r"\1 percent", t)
    t = re.sub(r"\b([ap])\.?\s?m\b\.?", r"\1m", t)
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(\d+)\.(\d+)", lambda m: f"{m.group(1)} point {m.group(2)}", t)
    t = re.sub(r"\d+", lambda m: number_words(int(m.group(0))), t)
    t = re.sub(r"\bdollars\b", "dollar", t)
    return re.findall(r"[a-z']+", t)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def word_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Errors over reference words, pooled over (reference, hypothesis) pairs."""
    errors = sum(edit_distance(normalise(r), normalise(h)) for r, h in pairs)
    words = sum(len(normalise(r)) for r, _ in pairs)
    return errors / max(words, 1)
