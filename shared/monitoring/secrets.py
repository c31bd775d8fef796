"""Nothing secret reaches the monitor's store: fields named like a secret are dropped, and a PIN
said in a prompt is masked, before anything is written."""

from __future__ import annotations

import re
from typing import Any

# Words that make a field secret wherever they appear in its name (pin_code, apiKey, x-token).
SECRET_WORDS = frozenset(
    {"pin", "pins", "passcode", "password", "passwd", "pwd", "secret", "token", "key", "apikey"}
    | {"credential", "credentials", "otp"}
)
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# "my PIN is 2468 10", "passcode: 1234": the digits go, the words stay.
_SPOKEN_PIN = re.compile(
    r"\b(pin|passcode|password)(\s+(?:number|code))?(\s*(?:is|:|=)?\s*)(\d(?:[\s-]?\d){3,11})\b",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return any(word.lower() in SECRET_WORDS for word in _WORD.findall(name))


def without_secrets(value: Any) -> Any:
    """``value`` with every mapping entry whose key names a secret removed, at any depth."""
    if isinstance(value, dict):
        return {
            k: without_secrets(v)
            for k, v in value.items()
            if not (isinstance(k, str) and is_secret_name(k))
        }
    if isinstance(value, list | tuple):
        return [without_secrets(v) for v in value]
    return value


def mask_spoken_pins(text: str) -> str:
    return _SPOKEN_PIN.sub(lambda m: f"{m[1]}{m[2] or ''}{m[3]}[pin]", text)
