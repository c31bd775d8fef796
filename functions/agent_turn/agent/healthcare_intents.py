"""The health plan's member-service phrasings: eligibility, benefits, coverage of a service ("is
physical therapy covered", "how much is a specialist visit"), the deductible, claims ("what's the
status of my claim from last week", "why was my MRI claim denied") and appeals, prior
authorisation, in-network providers, care programs and preventive care. The clinic's own tools
are in clinic_intents. Never medical advice: the tools give the plan's facts only.

A claim or request just spoken of may be referred to ("appeal it", "tell me more about that
one"); an appeal without its reason is answered with a question, and the answer is the reason.
"""

from __future__ import annotations

import re
from datetime import date

from functions.agent_turn.agent import clinic_intents
from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.healthcare_words import (
    claim_dates,
    claim_said,
    prior_auth_said,
    provider_search,
    service_after,
    status_of_claims,
    submit_prior_auth,
)
from functions.agent_turn.agent.spoken import normalize

TOOLS = (
    *clinic_intents.TOOLS,
    "check_eligibility",
    "get_benefits_summary",
    "check_service_coverage",
    "get_deductible_status",
    "search_claims",
    "get_claim_details",
    "appeal_claim",
    "check_prior_auth_required",
    "submit_prior_auth",
    "get_prior_auth_status",
    "list_prior_auths",
    "find_in_network_providers",
    "list_care_programs",
    "enroll_in_care_program",
    "get_preventive_care_due",
)
ASK_APPEAL_REASON = "Why do you disagree with the decision?"
ASK_APPEAL_CLAIM = "Which claim would you like to appeal? What's its claim number?"
ASK_PRIOR_AUTH = "To request it I need"
QUESTIONS = frozenset({ASK_APPEAL_REASON, ASK_APPEAL_CLAIM})

_PRIOR_AUTH = re.compile(
    r"\b(?:prior auth\w*|prior approv\w*|pre-?auth\w*|pre-?approv\w*|preauthori[sz]ation|"
    r"authori[sz]ation)\b"
)
# Prior authorisation said without its name: "approval in advance", "approved by the plan
# first", "does the insurance have to sign off on it beforehand", "okayed ahead of time".
_ADVANCE = re.compile(
    r"\b(?:approv\w*|authori[sz]\w*|permission|clearance|go-?ahead|sign(?:ed)?[- ]off|"
    r"okay(?:ed)?|ok'?d|clear(?:ed)?|green-?light\w*)\b(?:\s+\S+){0,6}?\s+(?:in advance|"
    r"beforehand|ahead of time|first|1st|up front|before (?:i (?:go|get|have|book)|getting|"
    r"having|booking|doing|scheduling))\b|\badvance (?:approval|authori[sz]ation)\b"
)
_SUBMIT = re.compile(r"\b(?:request|submit|file|put in|apply for|send)\b")
_NEED = re.compile(r"\b(?:do i|does it|does that|will i|would i|is|is a|is an) (?:need|require)")
_NEEDED = re.compile(r"\b(?:need|needs|needed|require[sd]?)\b")
_REQUEST = re.compile(r"\b(?:request|submit|file|start|put in|get|apply for|send)\b")
_CLAIMS = re.compile(r"\bclaims?\b")
_APPEAL = re.compile(r"\b(?:appeal|dispute|contest|fight|challenge)\b")
_DETAILS = re.compile(r"\b(?:details?|more about|why|what happened|explain|break ?down)\b")
_DEDUCTIBLE = re.compile(r"\b(?:deductibles?|out[- ]of[- ]pocket|oop max)\b")
_ELIGIBLE = re.compile(
    r"\b(?:eligib\w*|coverage (?:active|still active)|am i (?:still )?(?:covered|insured|active)|"
    r"is my (?:insurance|coverage|plan) (?:active|still)|member (?:id|number)|group number|"
    r"insurance card|what plan am i on|which plan)\b"
)
_BENEFITS = re.compile(
    r"\b(?:benefits?|what does my (?:plan|insurance) (?:cover|include|offer|give me)|"
    r"what(?:'s| is) (?:included )?in my (?:plan|insurance|policy)|included in my|"
    r"what do i get (?:with|from|on) my|what's covered|what is covered|"
    r"summary of (?:my )?(?:plan|coverage))\b"
)
_COVERED = re.compile(
    r"\b(?:covered|cover|covers|coverage for|pays? for|paid for|copay|co-pay|coinsurance|cost me|"
    r"how much (?:is|are|does|would|will)|what (?:do|would|will) i pay)\b"
)
_PROGRAMS = re.compile(r"\b(?:care programs?|programs?)\b")
_WHICH_PROGRAMS = re.compile(r"^(?:are there|is there|what|which|any|do you have|tell me)\b")
_ENROLL = re.compile(r"\b(?:enroll|enrol|sign me up|join|register me for|sign up)\b")
_PREVENTIVE = re.compile(
    r"\b(?:preventive|preventative|screenings?|check-?ups?|what am i due for|due for|"
    r"wellness visit|physical due)\b"
)
_PROVIDERS = re.compile(
    r"\b(?:in[- ]network|find (?:me )?(?:a|an)|looking for (?:a|an)|recommend (?:a|an)|"
    r"near me|nearby|providers?|doctors? (?:near|in|who)|any \w+s? (?:near|in|around))\b"
)

_LOOKING = (
    r"\b(?:near|around|close|taking|accepting|find|looking|need|recommend|any|see|is there|"
    r"are there|on my plan|in my plan|takes? my|accepts? my|in[- ]network)\b"
)


_SPECIFIC = re.compile(
    r"\b(?:my (?:plan|insurance)|deductible|co-?pay|claims?|prior auth\w*|pre-?auth\w*|"
    r"in[- ]network|care programs?|clinic|covered)\b"
    rf"|{_ADVANCE.pattern}"
)


def specific(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    """What only the health plan's or the clinic's tools can mean ("does my plan cover..."),
    read before the productivity parser, which would take "plan" for a calendar event."""
    return parse(utterance, today, context) if _SPECIFIC.search(normalize(utterance)) else None


def parse(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    context = context or Context()
    words = normalize(utterance)
    if context.asked and context.asked[-1][1] in clinic_intents.QUESTIONS:
        return clinic_intents.parse(utterance, today, context)
    if context.asked and context.asked[-1][1].startswith(ASK_PRIOR_AUTH):
        said = " ".join([context.asked[0][0], *[a for a, _ in context.asked[1:]], utterance])
        return submit_prior_auth(normalize(said), said, today)
    if context.asked and context.asked[-1][1] in QUESTIONS:
        return _answered(utterance, context)
    return (
        clinic_intents.parse(utterance, today, context)
        or _claims(words, utterance, today, context)
        or _prior_auth(words, utterance, today)
        or _plan(words, utterance)
        or _providers(words, utterance)
    )


def _answered(answer: str, context: Context) -> Intent | Answer:
    request, question = context.asked[0][0], context.asked[-1][1]
    said = [answer, *(a for a, _ in reversed(context.asked))]
    claim = next(filter(None, map(claim_said, said)), None) or _claim_spoken_of(context)
    if question == ASK_APPEAL_CLAIM:
        if not claim:
            return Answer(ASK_APPEAL_CLAIM, "appeal_claim")
        reason = _reason(request)
        return (
            Intent("appeal_claim", {"claim": claim, "reason": reason})
            if reason
            else (Answer(ASK_APPEAL_REASON, "appeal_claim"))
        )
    return Intent("appeal_claim", {"claim": claim or "", "reason": answer.strip(" .")})


def _prior_auth(words: str, said: str, today: date) -> Intent | Answer | None:
    advance = _ADVANCE.search(words) and not _PRIOR_AUTH.search(words)
    if not (_PRIOR_AUTH.search(words) or advance):
        return None
    reference = prior_auth_said(said)
    if reference:
        return Intent("get_prior_auth_status", {"prior_auth": reference})
    if advance:  # a question whether it is needed, unless a request is being made
        if _SUBMIT.search(words):
            return submit_prior_auth(words, said, today)
        service = service_after(_ADVANCE.sub(" ", words), said) or service_after(words, said)
        return Intent("check_prior_auth_required", {"service": service}) if service else None
    if re.search(
        r"\b(?:status|approved|my prior|my pre|list|what|which|any|pending)\b", words
    ) and ((not _NEEDED.search(words) and not _REQUEST.search(words)) or "status" in words):
        status = (
            "approved"
            if "approved" in words
            else "open"
            if "pending" in words or "open" in words
            else None
        )
        return Intent("list_prior_auths", {"status": status} if status else {})
    service = service_after(words, said)
    if _NEED.search(words) or (_NEEDED.search(words) and not _REQUEST.search(words)):
        return Intent("check_prior_auth_required", {"service": service}) if service else None
    if _REQUEST.search(words):
        return submit_prior_auth(words, said, today)
    return None


def _claims(words: str, said: str, today: date, context: Context) -> Intent | Answer | None:
    claim = claim_said(said)
    if _APPEAL.search(words) and (_CLAIMS.search(words) or context.tool in TOOLS or claim):
        claim = claim or _claim_spoken_of(context)
        if not claim:
            return Answer(ASK_APPEAL_CLAIM, "appeal_claim")
        reason = _reason(said)
        if not reason:
            return Answer(ASK_APPEAL_REASON, "appeal_claim")
        return Intent("appeal_claim", {"claim": claim, "reason": reason})
    if claim:
        return Intent("get_claim_details", {"claim": claim})
    spoken_of = _claim_spoken_of(context)
    if spoken_of and _DETAILS.search(words) and not _CLAIMS.search(words.replace("claim", "")):
        return Intent("get_claim_details", {"claim": spoken_of})
    if not _CLAIMS.search(words):
        return None
    args: Args = claim_dates(words, today) | status_of_claims(words)
    provider = re.search(
        r"\bfrom (?P<p>dr\.? \w+|\w+ (?:clinic|hospital|imaging|lab\w*|medical\w*))", words
    )
    if provider:
        args["provider"] = _titled(provider.group("p"))
    return Intent("search_claims", args)


def _plan(words: str, said: str) -> Intent | None:
    if _DEDUCTIBLE.search(words):
        return Intent("get_deductible_status", {})
    if _ELIGIBLE.search(words):
        return Intent("check_eligibility", {})
    if _PROGRAMS.search(words):
        if _ENROLL.search(words) and not _WHICH_PROGRAMS.search(words):
            match = re.search(r"\b(?:the |in |for )?(?P<p>[\w ]+?) (?:care )?program\b", words)
            program = match.group("p").split()[-1] if match else ""
            return Intent("enroll_in_care_program", {"program": program}) if program else None
        return Intent("list_care_programs", {})
    if _PREVENTIVE.search(words):
        return Intent("get_preventive_care_due", {})
    if _COVERED.search(words):
        service = service_after(words, said)
        if service:
            return Intent("check_service_coverage", {"service": service})
    if _BENEFITS.search(words):
        return Intent("get_benefits_summary", {})
    return None


def _providers(words: str, said: str) -> Intent | None:
    args = provider_search(words, said)
    wanted = "specialty" in args and re.search(_LOOKING, words)
    if not (_PROVIDERS.search(words) or wanted):
        return None
    return Intent("find_in_network_providers", args) if args or "network" in words else None


def _claim_spoken_of(context: Context) -> str | None:
    """The number of the one claim the previous turn spoke of, if it spoke of one."""
    if context.tool == "appeal_claim" or context.tool not in TOOLS:
        return None
    claim = context.result.get("claim")
    claims = context.result.get("claims")
    if not isinstance(claim, dict) and isinstance(claims, list) and len(claims) == 1:
        claim = claims[0]
    number = claim.get("claim_number") if isinstance(claim, dict) else None
    return number if isinstance(number, str) and number else None


def _reason(said: str) -> str:
    match = re.search(r"\b(?:because|since|as|the reason is|reason:)\s+(?P<r>.+)$", said, re.I)
    return match.group("r").strip(" .") if match else ""


def _titled(name: str) -> str:
    return " ".join(
        w.capitalize() if w != "dr" else "Dr." for w in name.replace("dr.", "dr").split()
    )
