"""An utterance as the productivity parsers read it: normalized words (spoken numbers as
digits, lower case, no closing punctuation), and titles given back the capitals they were said
with ("meeting with Sam"), plus the priority words they carry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from functions.agent_turn.agent.spoken import normalize

_FILLER = re.compile(
    r"^(?:(?:um+|uh+|erm|er|hmm|so|okay|ok|hey|hi|hello|well|oh|right|alright|please|"
    r"can you|could you|would you|will you|can i|could i|i'd like to|i would like to|"
    r"i want to|i wanna|i need you to|go ahead and|just|kindly|you|also)\b[\s,]*)+"
)
_POLITE_END = re.compile(r"(?:[\s,]+(?:please|thanks|thank you|for me))+[.!?]*$")
_PRIORITY = re.compile(
    r"[\s,]*(?:(?:with|as|at|it's|it is|make it|mark it)\s+)?(?:an?\s+)?"
    r"\b(?P<level>high|top|low|medium|normal)(?:[- ]priority|[- ]importance)\b"
    r"|[\s,]*(?:(?:it's|it is|that's|that is|this is)\s+)?"
    r"(?:(?:pretty|really|very|quite|super|kind of|kinda|a bit|fairly)\s+)?"
    r"\b(?P<urgent>urgent|important)\s*$"
)
_LEVELS = {"high": "high", "top": "high", "low": "low", "medium": "medium", "normal": "medium"}


@dataclass(frozen=True)
class Heard:
    """``text`` as said; ``words`` normalized, with leading filler ("um, could you") cut."""

    text: str
    words: str

    @classmethod
    def of(cls, utterance: str) -> Heard:
        words = _FILLER.sub("", clean(normalize(utterance)))
        return cls(utterance, clean(_POLITE_END.sub("", words)))

    def recased(self, title: str) -> str:
        """``title`` (from ``words``) with the capitals its words were said with."""
        said: dict[str, str] = {}
        for i, word in enumerate(re.findall(r"[\w'-]+", self.text)):
            if any(c.isupper() for c in word) and (i > 0 or word.isupper()):
                said.setdefault(word.lower(), word)
        return " ".join(said.get(w, w) for w in title.split(" "))


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!?,;:\"'")).strip()


def priority_of(words: str) -> tuple[str, str | None]:
    """``words`` less a priority ("high priority", "urgent" at the end), and that priority."""
    match = _PRIORITY.search(words)
    if not match:
        return words, None
    level = _LEVELS[match.group("level")] if match.group("level") else "high"
    return clean(words[: match.start()] + " " + words[match.end() :]), level


def importance_of(words: str) -> tuple[str, str | None]:
    """As priority_of, in a reminder's terms (low, normal, high)."""
    rest, level = priority_of(words)
    return rest, {"medium": "normal"}.get(level or "", level)


def strip_article(text: str) -> str:
    return re.sub(r"^(?:(?:a|an|the|my|our|that|this)\s+)+", "", text).strip()
