"""Spoken numbers, times and money in a voice transcript written as digits for the agent.

"five five five zero one two" -> "555012", "four hundred thousand dollars" -> "$400,000",
"eight p m" -> "8 pm". Whisper writes most numbers as digits already; this catches what it
leaves in words. Applied to voice turns only (functions/agent_turn/handler.py).
"""

from __future__ import annotations

import re

# Number words by value: UNIT_WORDS[n] for n < 20, TEN_WORDS[t] for t * 10 (t >= 2).
UNIT_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TEN_WORDS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = {w: i for i, w in enumerate(UNIT_WORDS)}
_UNITS["oh"] = 0
_TENS = {w: 10 * i for i, w in enumerate(TEN_WORDS) if w}
_SCALES = {"thousand": 1_000, "million": 1_000_000}
_NUMBER_WORD = set(_UNITS) | set(_TENS) | set(_SCALES) | {"hundred", "and"}
_DIGIT_WORDS = {w for w, i in _UNITS.items() if i < 10}


def _value(words: list[str]) -> int | None:
    """The value of a run of number words ("four hundred thousand"), or None."""
    total = current = 0
    seen = False
    for word in words:
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _groups(words: list[str]) -> list[list[str]]:
    """Split "seven thirty" into [seven] [thirty]: a unit or tens after a unit starts anew."""
    groups: list[list[str]] = []
    for word in words:
        prev = groups[-1][-1] if groups else ""
        small = word in _UNITS or word in _TENS
        if not groups or (small and (prev in _UNITS or (prev in _TENS and word in _TENS))):
            groups.append([word])
        else:
            groups[-1].append(word)
    return groups


def _convert(words: list[str], unit_follows: bool) -> str:
    if len(words) >= 3 and all(w in _DIGIT_WORDS for w in words):
        return "".join(str(_UNITS[w]) for w in words)  # a phone number, a code: digit by digit
    if len(words) == 1 and words[0] in _UNITS and not unit_follows:
        return words[0]  # "that one", "no one": a lone small word stays a word
    values = [_value(g) for g in _groups(words)]
    hour, minute = ([*values, None, None])[:2] if len(values) == 2 else (None, None)
    if hour is not None and minute is not None and 1 <= hour <= 12 and 10 <= minute <= 59:
        return f"{values[0]}:{values[1]:02d}"  # "seven thirty"
    return " ".join(str(v) for v in values if v is not None)


_CLOCK = {"am", "pm", "a", "p"}
_FOLLOWERS = {"dollars", "dollar", "bucks", "percent", "o'clock"}


def normalise(text: str) -> str:
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        bare = tokens[i].lower().strip(".,?!")
        if bare in _NUMBER_WORD and bare != "and":
            j = i
            run: list[str] = []
            while j < len(tokens):
                word = tokens[j].lower()
                stripped = word.rstrip(".,?!")
                if stripped not in _NUMBER_WORD or (stripped == "and" and not run):
                    break
                run.append(stripped)
                j += 1
                if stripped != word:  # punctuation ends the number
                    break
            while run and run[-1] == "and":
                run.pop()
                j -= 1
            tail = tokens[j - 1][len(tokens[j - 1].rstrip(".,?!")) :]
            nxt = tokens[j].lower().rstrip(".,?!") if j < len(tokens) and not tail else ""
            number = _convert(run, nxt in _FOLLOWERS or nxt.replace(".", "") in _CLOCK)
            if number.isdigit() and nxt in ("dollars", "dollar", "bucks"):
                tail = tokens[j][len(tokens[j].rstrip(".,?!")) :]
                number, j = f"${int(number):,}", j + 1
            out.append(number + tail)
            i = j
            continue
        out.append(tokens[i])
        i += 1
    joined = " ".join(out)
    return re.sub(r"\b(\d{1,2}) ([ap])\.? ?m\b\.?", r"\1 \2m", joined, flags=re.IGNORECASE)
