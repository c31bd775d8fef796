"""What went wrong with a provider, in words fit for a log or the monitor (never a key)."""

from __future__ import annotations

from collections.abc import Iterator

# Gemini answers a wrong key with HTTP 400 INVALID_ARGUMENT and this reason, not 401.
_GEMINI_BAD_KEY = "API_KEY_INVALID"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of an SDK error (``status_code`` on Anthropic and OpenAI, ``code`` on
    Google), looking through the exceptions LangChain wraps them in."""
    for link in _chain(exc):
        for attr in ("status_code", "code"):
            value = getattr(link, attr, None)
            if isinstance(value, int) and 100 <= value <= 599:
                return value
    return None


def key_refused(exc: BaseException) -> bool:
    status = http_status(exc)
    if status in (401, 403):
        return True
    return status == 400 and any(
        _GEMINI_BAD_KEY in repr(getattr(e, "details", "")) for e in _chain(exc)
    )


def describe(exc: BaseException) -> str:
    """``HTTP 500``, ``HTTP 401: the API key was refused``, or the error's class names (their
    messages can echo request details, so they are left out)."""
    status = http_status(exc)
    if key_refused(exc):
        return f"HTTP {status}: the API key was refused"
    if status is not None:
        return f"HTTP {status}"
    names = list(dict.fromkeys(type(e).__name__ for e in _chain(exc)))
    return names[0] + (f" ({', '.join(names[1:3])})" if len(names) > 1 else "")
