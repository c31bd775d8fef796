"""The clinic's CRM-backed phrasings: whether the caller is a patient, registering them, booking a
clinic appointment ("book me an appointment with the clinic next Tuesday at 10 for a sore
throat"), logging their symptoms for the staff (never advice) and saving a call summary.

A request that lacks what its tool needs is answered with a question, and the answer is read
together with the request."""

from __future__ import annotations

import re
from datetime import date

from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.spoken import MONTHS, normalize, spoken_date, spoken_time

TOOLS = (
    "check_patient_record",
    "onboard_patient",
    "book_clinic_appointment",
    "log_clinical_intake",
    "save_call_summary",
)
ASK_WHEN = "What day and time would you like to come in?"
ASK_REASON = "What's the reason for the visit?"
ASK_NAME = "To register you I need your first and last name. What are they?"
ASK_SEVERITY = "How bad is it: mild, moderate or severe?"
ASK_SUMMARY = "What should the summary say?"
ASK_SYMPTOMS = "What symptoms are you having?"
QUESTIONS = frozenset({ASK_WHEN, ASK_REASON, ASK_NAME, ASK_SEVERITY, ASK_SUMMARY, ASK_SYMPTOMS})
NAME_QUESTIONS = frozenset({ASK_NAME})  # a request said in answer is a request, not a name
_ASKED_FOR = {  # the request each question is asked for
    ASK_WHEN: "book_clinic_appointment",
    ASK_REASON: "book_clinic_appointment",
    ASK_NAME: "onboard_patient",
    ASK_SEVERITY: "log_clinical_intake",
    ASK_SYMPTOMS: "log_clinical_intake",
    ASK_SUMMARY: "save_call_summary",
}
PROFILE = "get_my_profile"

_CLINIC = r"(?:clinic|doctor|nurse|physician|gp)"
_BOOK = re.compile(
    rf"\b(?:book|schedule|make|set up|get|need|want|like)\b.*\b(?:appointment|visit)\b"
    rf".*\b{_CLINIC}|\b{_CLINIC}(?:'s)? (?:appointment|visit)\b|"
    rf"\bcome in(?:to| to)?(?: the clinic)? (?:on|for|at|next|"
    rf"tomorrow|today|this)\b|\bsee (?:a|the) (?:doctor|nurse)\b|"
    r"\b(?:see|seeing|be seen|get seen|get in|come in|come by|stop by|drop in|visit)\b"
    r"(?:\s+\S+){0,4}?\s+(?:at|to|into|in) the clinic\b|"
    rf"\bbook\b.*\bappointment\b.*\b(?:for|about) (?:a |an |my )?(?:sore|cough|fever|rash|pain)"
)
_REASON = re.compile(
    r"\b(?:for|about|because of|because|regarding) (?:a |an |my |the |some )?(?P<r>(?!(?:next|"
    r"this|tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d)\b)[^,.?!]+?)"
    r"(?=\s+(?:next|at|tomorrow|today|this|in the)\b|\s+on (?:the |\d|[a-z]+day\b|[a-z]{3,4}\w* \d)"
    r"|[,.?!]|$)"
)
_REGISTER = re.compile(
    r"\b(?:register|sign (?:me )?up|onboard|new patient|become a patient|join the clinic)\b"
)
_RECORD = re.compile(
    r"\b(?:am i|are you|is my|do you have)\b.*\b(?:registered|on file|a patient|in your system|"
    r"record|my details)\b"
)
_NAME = re.compile(
    r"\b(?:my name is|name's|i'm|i am|this is|it's)\s+"
    r"(?P<f>[A-Za-z][a-z'-]+)\s+(?P<l>[A-Za-z][a-z'-]+)",
    re.I,
)
_DOB = re.compile(
    rf"\b(?P<m>{'|'.join(MONTHS)}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<y>(?:19|20)\d\d)\b"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_INTAKE = re.compile(
    r"\b(?:log|record|report|note down|write down|tell you about|describe)\b.*\bsymptoms?\b|"
    r"\bi(?:'ve| have)(?: been)? (?:had|having|got|felt|feeling)\b|\bi have (?:a|an)\b|"
    r"\bmy (?:\w+ )?(?:hurts|is sore|aches)\b"
)
_SYMPTOMS = re.compile(
    r"\b(?:symptoms?(?: are| is)?:?|i(?:'ve| have)(?: been)? (?:had|having|got|felt|feeling)|"
    r"i have)\s+(?:a |an |some )?(?P<s>.+?)"
    r"(?=\s+(?:since|for the|for about|for a|for \d|it's|it is|"
    r"and it|which)\b|[,.;!?]|$)"
)
_SINCE = re.compile(
    r"\b(?P<since>since [\w ]+?|for (?:the (?:past|last) |about |almost )?"
    r"(?:a|an|\d+|a few|a couple of) "
    r"(?:days?|weeks?|months?|hours?)(?: now)?)(?=[,.;!?]|\s+(?:and|it|but)\b|$)"
)
_SEVERITY = (
    ("severe", r"severe|really bad|very bad|terrible|awful|unbearable|excruciating|worst"),
    ("moderate", r"moderate|pretty bad|quite bad|bad|medium"),
    ("mild", r"mild|a little|slight\w*|not too bad|not that bad|minor"),
)
_SUMMARY = re.compile(
    r"\b(?:save|add|put|log|write|leave)\b.*\b(?:summary|note)\b(?:\s+(?:of|for) (?:this|the|our) "
    r"call)?(?:\s*(?:saying|that says|that|to say|:|-)\s*(?P<t>.+))?$",
    re.I,
)


def parse(utterance: str, today: date, context: Context | None = None) -> Intent | Answer | None:
    context = context or Context()
    if context.asked and context.asked[-1][1] in QUESTIONS:
        return _answered(utterance, today, context)
    return _fresh(utterance, normalize(utterance), today)


def _answered(answer: str, today: date, context: Context) -> Intent | Answer | None:
    question = context.asked[-1][1]
    if question == ASK_NAME and not _NAME.search(answer):
        answer = f"my name is {answer}"
    elif question == ASK_REASON and not _REASON.search(normalize(answer)):
        answer = f"for {answer}"
    elif question == ASK_SUMMARY:
        return Intent("save_call_summary", {"summary": answer.strip()})
    # Only the rounds of this request: "register me" asked the name, then "book me in" was
    # asked the time; the time answers the booking alone.
    start = len(context.asked) - 1
    while start > 0 and _ASKED_FOR.get(context.asked[start - 1][1]) == _ASKED_FOR[question]:
        start -= 1
    rounds = list(context.asked[start:])
    said = ", ".join([rounds[0][0], *[a for a, _ in rounds[1:]], answer])
    return _fresh(said, normalize(said), today)


def _fresh(said: str, words: str, today: date) -> Intent | Answer | None:
    summary = _SUMMARY.search(said)
    if summary and re.search(r"\b(?:call|summary|clinic|record|file)\b", words):
        text = (summary.group("t") or "").strip(" .")
        return (
            Intent("save_call_summary", {"summary": text})
            if text
            else Answer(ASK_SUMMARY, "save_call_summary")
        )
    if _RECORD.search(words) and re.search(r"\b(?:clinic|patient|registered|record)\b", words):
        return Intent("check_patient_record", {})
    if _REGISTER.search(words) and re.search(r"\b(?:clinic|patient|register)\b", words):
        return _onboarding(said, words)
    if _BOOK.search(words):
        return _booking(words, today)
    if _INTAKE.search(words) and (_SINCE.search(words) or _severity(words) or "symptom" in words):
        return _intake(words)
    return None


def _booking(words: str, today: date) -> Intent | Answer:
    day = spoken_date(words, today)
    time = spoken_time(words, office=True)
    reason = _REASON.search(re.sub(r"\b(?:appointment|visit) (?:with|at) the clinic\b", "", words))
    if not (day and time):
        return Answer(ASK_WHEN, "book_clinic_appointment")
    if not reason:
        return Answer(ASK_REASON, "book_clinic_appointment")
    start = f"{day.isoformat()}T{time}"
    return Intent("book_clinic_appointment", {"reason": reason.group("r").strip(), "start": start})


def _onboarding(said: str, words: str, named: tuple[str, str] | None = None) -> Intent | Answer:
    """``named``: the first and last name from elsewhere (the caller's profile) when they said
    none; without either, the name is asked, or looked up on their profile first."""
    name = _NAME.search(said)
    if name:
        named = (name.group("f").title(), name.group("l").title())
    if not named:
        return Answer(ASK_NAME, "onboard_patient", lookup=PROFILE)
    args: Args = {"first_name": named[0], "last_name": named[1]}
    dob = _DOB.search(words)
    if dob:
        args["dob"] = date(
            int(dob.group("y")), MONTHS[dob.group("m")], int(dob.group("d"))
        ).isoformat()
    email = _EMAIL.search(said)
    if email:
        args["email"] = email.group(0)
    return Intent("onboard_patient", args)


def _intake(words: str) -> Intent | Answer:
    symptoms = _SYMPTOMS.search(words)
    if not symptoms:
        return Answer(ASK_SYMPTOMS, "log_clinical_intake")
    severity = _severity(words)
    if not severity:
        return Answer(ASK_SEVERITY, "log_clinical_intake")
    args: Args = {"symptoms": symptoms.group("s").strip(), "severity": severity}
    since = _SINCE.search(words)
    return Intent("log_clinical_intake", args | ({"since": since.group("since")} if since else {}))


def _severity(words: str) -> str | None:
    return next((s for s, p in _SEVERITY if re.search(rf"\b(?:{p})\b", words)), None)


def after_lookup(said: str, profile: Args) -> Intent | None:
    """A registration that asked the caller's name, completed with the name on their profile
    (a first and a last name; a single word is not enough), or None (ask the caller)."""
    parts = str(profile.get("name") or "").split()
    if len(parts) < 2 or not all(p[:1].isalpha() for p in parts):
        return None
    found = _onboarding(said, normalize(said), (parts[0], " ".join(parts[1:])))
    return found if isinstance(found, Intent) else None
