"""Confirmation codes: read aloud and typed on the status page, so no 0/O, 1/I/L; drawn by the
operating system's CSPRNG, so a code says nothing about any other (31^8 ≈ 8.5e11 of them)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(spoken: str) -> str | None:
    """A code as a guest gives it ("k7qm-2xpa", "K 7 Q M 2 X P A"), or None if it cannot be one."""
    code = re.sub(r"[\s\-.]", "", spoken).upper()
    return code if _SHAPE.match(code) else None
