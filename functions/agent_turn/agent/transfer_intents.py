"""Asking for a person: "I want to talk to a person", "get me a human", "transfer me to billing
because my card was charged twice" -> transfer_to_agent (with the department and the reason when
said); "which departments can I talk to" -> get_available_departments. And what the rules model
says to their results."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.productivity_heard import Heard, clean

TOOLS = ("transfer_to_agent", "get_available_departments")
DEFAULT_REASON = "The caller asked to speak to a person."

_PERSON = (
    r"(?:a\s+|an\s+|some\s+|real\s+|actual\s+|live\s+)*(?:person|human(?: being)?|agent|"
    r"operator|representative|rep|somebody|someone|staff member|people)"
)
_DEPARTMENTS = (
    (
        re.compile(
            r"\b(?:billing|bills?|payments?|invoices?|statements?|charged?|charges|refunds?)\b"
        ),
        "billing",
    ),
    (re.compile(r"\b(?:mortgages?|loans?|loan officer)\b"), "mortgage"),
    (
        re.compile(r"\b(?:member services|health plan|insurance|claims?|benefits)\b"),
        "member services",
    ),
    (re.compile(r"\b(?:reservations?|restaurant|hanok)\b"), "reservations"),
)
_ASK = [
    re.compile(
        rf"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+|your\s+)*(?:real\s+|actual\s+|live\s+)*"
        rf"(?:{_PERSON}|manager|supervisor|someone in \w+|somebody in \w+|\w+ department|billing|"
        rf"mortgage)"
    ),
    re.compile(
        rf"\b(?:get|give|put|connect|transfer|pass|hand)\s+me\s+(?:to|through to|over to|"
        rf"with)?\s*{_PERSON}"
    ),
    re.compile(r"\b(?:transfer|connect)\s+me\b|\bput me (?:through|over)\b"),
    re.compile(rf"^(?:{_PERSON}|operator|agent|representative)(?:\s+please)?$"),
    re.compile(r"\b(?:talk|speak)\w*\s+to\s+a\s+(?:robot|machine|bot|computer)\b"),
    re.compile(rf"\bi\s+(?:want|need|would like|'d like)\s+(?:a\s+|an\s+)?(?:{_PERSON})\b"),
    re.compile(
        r"\b(?:is there|can i get|can i speak to)\s+(?:a\s+|an\s+)?(?:real\s+)?(?:person|human|"
        r"anyone|someone)\b"
    ),
]
_REASON = re.compile(
    r"\b(?:because|since|about|regarding|as|it's about|i need help with)\s+(?P<why>.+)$"
)
_DEPARTMENT_LIST = re.compile(
    r"\b(?:which|what)\s+departments\b|\bdepartments\b.*\b(?:transfer|talk|speak|reach|there)\b"
)


def parse(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    heard = Heard.of(utterance)
    words = heard.words
    if _DEPARTMENT_LIST.search(words):
        return Intent("get_available_departments", {})
    if not any(p.search(words) for p in _ASK):
        return None
    args: Args = {}
    for pattern, name in _DEPARTMENTS:
        if pattern.search(words):
            args["department"] = name
            break
    why = _REASON.search(heard.text)
    reason = clean(why.group("why")) if why else ""
    args["reason"] = f"{reason[0].upper()}{reason[1:]}." if reason else DEFAULT_REASON
    return Intent("transfer_to_agent", args)


def _reply_transfer(result: dict[str, Any], args: Args) -> str:
    transfer = result.get("transfer") or {}
    department = transfer.get("department") or args.get("department") or "general"
    who = "someone from our team" if department == "general" else f"someone in {department}"
    return f"Okay, I'm putting you through to {who} now. They'll see what we've talked about."


def _reply_departments(result: dict[str, Any], args: Args) -> str:
    names = [str(d.get("name")) for d in result.get("departments") or [] if d.get("name")]
    if not names:
        return "I can put you through to our front desk team."
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return f"I can put you through to {listed}. Who would you like?"


REPLIES: dict[str, Callable[[dict[str, Any], Args], str]] = {
    "transfer_to_agent": _reply_transfer,
    "get_available_departments": _reply_departments,
}
UNAVAILABLE: dict[str, str] = {
    "transfer_to_agent": "Sorry, I couldn't put you through just now.",
    "get_available_departments": "Sorry, I couldn't look up the departments just now.",
}
