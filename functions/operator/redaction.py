"""What an operator may read of a turn record: a supervisor sees it whole; an operator sees
the prompt, reply, tool arguments and results with personal data masked.

Pure (no I/O), so the operator API can apply it to whatever it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import phonenumbers

from shared.monitoring.secrets import without_secrets

Role = Literal["supervisor", "operator"]
TEXT_FIELDS = ("prompt", "reply", "error")
# Member, group, claim and prior-authorisation numbers: letters then digits
# ("BCP123456701", "SF-204817", "CLM-1234567A", "PA-1000001"), or long digit runs.
_IDENTIFIER = re.compile(r"\b(?=[A-Z0-9-]*\d)(?:[A-Z]{1,4}-?\d[A-Z0-9-]{3,}|\d{7,})\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
    rf"|\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety|hundred|thousand|million|billion|and|a)"
)
_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|thousand|million|billion)\b)?)"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:dollars?|usd|bucks|cents?)\b"
    rf"|\b{_NUMBER_WORDS}(?:[\s-]+{_NUMBER_WORDS})*\s+(?:dollars?|bucks|cents?)\b",
    re.IGNORECASE,
)


def _phones(text: str) -> str:
    """libphonenumber's matcher finds numbers in any common layout; US numbers are assumed
    for those written without a country code."""
    spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "US")]
    for start, end in reversed(spans):
        text = f"{text[:start]}[phone]{text[end:]}"
    return text


_MASKS: tuple[Callable[[str], str], ...] = (
    lambda t: _EMAIL.sub("[email]", t),
    lambda t: _MONEY.sub("[amount]", t),
    lambda t: _DATE.sub("[date]", t),
    _phones,
    lambda t: _IDENTIFIER.sub("[id]", t),
)


def redact_text(text: str) -> str:
    # Emails and amounts first: their digits would otherwise look like ids or phone numbers.
    for mask in _MASKS:
        text = mask(text)
    return text


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def _redact_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        **call,
        "arguments": redact_value(call.get("arguments", {})),
        "result_summary": redact_text(call.get("result_summary", "")),
    }


def for_role(record: dict[str, Any], role: Role) -> dict[str, Any]:
    """``record`` (a stored monitor_turns document) as ``role`` may see it. Secrets are never
    shown, whoever asks (the store already has none; this holds for older documents too)."""
    shown: dict[str, Any] = without_secrets(record)
    if role == "supervisor":
        return shown
    for name in TEXT_FIELDS:
        if isinstance(shown.get(name), str):
            shown[name] = redact_text(shown[name])
    if "tool_calls" in shown:
        shown["tool_calls"] = [_redact_call(c) for c in shown["tool_calls"]]
    if "tool_executions" in shown:
        shown["tool_executions"] = {k: _redact_call(c) for k, c in shown["tool_executions"].items()}
    return shown


def call_for_role(call: dict[str, Any], role: Role) -> dict[str, Any]:
    """One executed tool call (a ``monitor_tool_calls`` document) as ``role`` may see it."""
    shown: dict[str, Any] = without_secrets(call)
    return shown if role == "supervisor" else _redact_call(shown)
