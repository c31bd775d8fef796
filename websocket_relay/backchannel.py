"""What a short burst of the caller's speech over a playing reply was: nothing (a cough, a
breath), a backchannel ("uh-huh", "okay"), the reply's own words heard back (echo), or words
that interrupt. Pure functions of the burst's transcript and the reply's text."""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["noise", "backchannel", "echo", "interruption"]

# Phrases that tell the speaker to go on, whole (after normalising, repeats allowed:
# "yeah yeah", "mm-hmm mm-hmm", "okay okay").
BACKCHANNELS = frozenset(
    {
        "uh huh",
        "uh-huh",
        "mm hmm",
        "mm-hmm",
        "mhm",
        "mmhmm",
        "hmm",
        "mm",
        "um",
        "uh",
        "ah",
        "oh",
        "ok",
        "okay",
        "yeah",
        "yes",
        "yep",
        "yup",
        "right",
        "alright",
        "all right",
        "sure",
        "got it",
        "i see",
        "cool",
        "great",
        "nice",
        "fine",
        "good",
        "oh okay",
        "oh ok",
        "okay got it",
        "yeah right",
        "i got it",
        "makes sense",
        "go on",
        "go ahead",
        "that's right",
        "thats right",
        "exactly",
        "of course",
        "wow",
        "ah okay",
    }
)
# Words a speech recogniser writes for a cough, a laugh or a breath.
NOISE_WORDS = frozenset({"cough", "coughing", "laugh", "laughs", "laughter", "breath", "sigh"})
_WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9']+)*")
# A hum written out: "m-m-m-m", "mmmm", "hmm-mm" (a recogniser's spelling of "mm-hmm").
_HUM = re.compile(r"(?=[mh-]*m)[mh]+(?:-[mh]+)*")
_SPELLINGS = {
    "uhhuh": "uh-huh",
    "uh-uh-huh": "uh-huh",
    "mmhm": "mm-hmm",
    "mm-hm": "mm-hmm",
    "mhmm": "mm-hmm",
    "mm-huh": "mm-hmm",
    "m-hm": "mm-hmm",
    "okey": "okay",
    "k": "okay",
    "yea": "yeah",
    "ya": "yeah",
}


def words(text: str) -> list[str]:
    found = _WORD.findall(text.lower().replace("\u2019", "'"))
    return ["mm" if _HUM.fullmatch(w) else _SPELLINGS.get(w, w) for w in found]


def _phrase_is_backchannel(tokens: list[str]) -> bool:
    """Every stretch of the burst is a backchannel: "yeah", "okay got it", "uh-huh, yeah"."""
    n = len(tokens)
    ok = [True] + [False] * n  # ok[i]: tokens[:i] splits into backchannels
    for end in range(1, n + 1):
        for start in range(max(0, end - 3), end):
            if ok[start] and " ".join(tokens[start:end]) in BACKCHANNELS:
                ok[end] = True
                break
    return ok[n]


def classify(text: str, reply_text: str = "") -> Verdict:
    tokens = [w for w in words(text) if w not in NOISE_WORDS]
    if not tokens:
        return "noise"
    if _phrase_is_backchannel(tokens):
        return "backchannel"
    reply = set(words(reply_text))
    if reply and all(w in reply for w in tokens):
        return "echo"
    return "interruption"


def interrupts(verdict: Verdict) -> bool:
    return verdict == "interruption"
