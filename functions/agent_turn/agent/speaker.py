"""Speakable pieces cut from a reply as it streams in: a piece is handed on the moment the text
after it begins (so it is known not to be the last one), and the last when the reply ends. The
first audio can then start while the model is still writing; with a model that answers all at
once (the offline one) the pieces are those of ``split_sentences``."""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])")
_LIST_ITEM = re.compile(r"(?<=;)\s+")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'])|(?<=;)\s+")
_LEAD_IN = re.compile(r"^((?:\S+\s+){0,9}?\S+[,:])\s+(.+)$")
# The same lead-in while the reply streams: known once three whole words follow it.
_STREAMED_LEAD_IN = re.compile(r"^((?:\S+\s+){0,9}?\S+[,:])\s+((?:\S+\s+){3})")
Emit = Callable[[str, bool], None]  # (piece, is_final)


def split_sentences(text: str, *, lead_in: bool = True) -> list[str]:
    """Speakable pieces, in order: sentences, list items ("a; b; c") apart, and (``lead_in``)
    the first sentence's lead-in clause ("Okay," or "You have two todos:") alone, so the first
    audio is ready after a few syllables of synthesis rather than a whole sentence."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        pieces.extend(p.strip() for p in _LIST_ITEM.split(sentence) if p.strip())
    if pieces and lead_in:
        match = _LEAD_IN.match(pieces[0])
        if match and len(match.group(2).split()) >= 3:
            pieces[0:1] = [match.group(1), match.group(2)]
    return pieces


def _lead_in_of(buffer: str) -> str | None:
    """The first sentence's lead-in, once enough follows it that ``split_sentences`` of the
    whole reply would cut it off the same way (three words, with no sentence or list-item end
    among them)."""
    match = _STREAMED_LEAD_IN.match(buffer)
    if match is None or _BOUNDARY.search(match.group(0)) or ";" in match.group(0):
        return None
    return match.group(1)


class Speaker:
    def __init__(self, emit: Emit):
        self.emit = emit
        self.buffer = ""
        self.spoken: list[str] = []

    def feed(self, text: str) -> None:
        if not text:
            return
        self.buffer += text
        if not self.spoken and (lead := _lead_in_of(self.buffer)):
            # The first audio need not wait for the first sentence's end: "Sure," goes now.
            self.buffer = self.buffer[len(lead) :].lstrip()
            self._say(lead, final=False)
        boundaries = list(_BOUNDARY.finditer(self.buffer))
        if not boundaries or not self.buffer[boundaries[-1].end() :].strip():
            return  # nothing has begun after the last boundary: that piece may be the last
        cut = boundaries[-1]
        done, self.buffer = self.buffer[: cut.start()], self.buffer[cut.end() :]
        for piece in split_sentences(done, lead_in=not self.spoken):
            self._say(piece, final=False)

    def finish(self) -> None:
        """The reply is complete: the rest goes out, the last piece final (an empty reply is
        one empty final piece, so the turn's speech still ends)."""
        rest = split_sentences(self.buffer, lead_in=not self.spoken) or (
            [] if self.spoken else [""]
        )
        self.buffer = ""
        for i, piece in enumerate(rest):
            self._say(piece, final=i == len(rest) - 1)
        if not rest:  # everything was said already, but none of it as the last piece
            self._say("", final=True)

    def cut_short(self, last: str) -> None:
        """The reply will not be finished: what is still unsaid is dropped (it may stop
        mid-sentence) and ``last`` is the final piece."""
        self.buffer = ""
        self._say(last, final=True)

    def _say(self, piece: str, *, final: bool) -> None:
        self.spoken.append(piece)
        self.emit(piece, final)
