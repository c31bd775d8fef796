"""When a caller's turn should be held open longer: a slot is being dictated, or the words so
far stop where a sentence cannot.

Callers pause between the groups of a phone number, a date or a spelled name, and a pause
after "my number is five five five" sounds finished to a model that hears only the audio. Two
cues in words say otherwise (ADR 0020):

- the reply the caller is answering asked for a slot ("What is the best number to reach you?");
- the transcript of the snapshot taken at the pause ends mid-slot ("... five five five",
  "... 0412") or on a word no sentence ends with ("What time is my").
"""

from __future__ import annotations

import re

from shared.speech.normalise import TEN_WORDS, UNIT_WORDS

# Words that name something a caller dictates, in a question asking for it.
_SLOT_WORDS = frozenset(
    {
        "number", "phone", "digits", "date", "birthday", "birth", "zip", "postcode", "address",
        "email", "spell", "code", "pin", "account", "member", "policy", "confirmation", "name",
        "time", "day", "when",
    }
)  # fmt: skip
# Words an English sentence does not end with: the caller is mid-phrase.
_NEVER_LAST = frozenset(
    {
        "a", "an", "the", "my", "your", "our", "their", "its", "at", "for", "to", "of",
        "with", "under", "from", "by", "about", "into", "and", "or", "but", "because", "is",
        "are", "was", "were", "um", "uh", "er", "than", "if",
    }
)  # fmt: skip
# Two last words that lead into a slot: "... under the name", "... my phone number is" ends on "is".
_SLOT_LEADS = frozenset({("the", "name")})
_NUMBER_WORDS = frozenset(w for w in (*UNIT_WORDS, *TEN_WORDS, "oh", "hundred", "double") if w)
# While a slot is dictated, a date is not done at its month or day: the year may follow.
_MONTHS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    }
)  # fmt: skip
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)|[a-z]+(?:first|second|third|th)")
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?|[a-z]+(?:'[a-z]+)?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DIGIT_GROUP = re.compile(r"\d{3,}")  # "555", "0412": a group of a number being read out
_QUESTION = re.compile(r"[^.!?]*\?")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _is_number(token: str) -> bool:
    return token[0].isdigit() or token in _NUMBER_WORDS


def asks_for_slot(reply: str) -> bool:
    """The reply ends by asking for something callers dictate (a number, a date, a name)."""
    questions = _QUESTION.findall(reply)
    if not questions or not reply.rstrip().endswith("?"):
        return False
    return any(token in _SLOT_WORDS for token in _tokens(questions[-1]))


def ends_unfinished(words_so_far: str, dictating: bool = False) -> bool:
    """The words heard up to a pause stop mid-slot or mid-phrase, so more is coming
    (``dictating``: a slot was asked for, and a date without its year is not done either)."""
    tokens = _tokens(words_so_far)
    if not tokens:
        return False
    last = tokens[-1]
    if dictating and (last in _MONTHS or _ORDINAL.fullmatch(last)):
        return True
    if _YEAR.fullmatch(last) and _MONTHS.intersection(tokens[-4:]):
        return False  # "March 14th, 1982": a whole date
    if last in _NEVER_LAST or _DIGIT_GROUP.fullmatch(last):
        return True
    if len(tokens) < 2:
        return False
    pair = (tokens[-2], last)
    return pair in _SLOT_LEADS or (_is_number(last) and _is_number(tokens[-2]))
