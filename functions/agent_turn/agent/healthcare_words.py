"""What a health plan member names as they say it: a service ("is physical therapy covered"), a
claim or prior authorisation's number, the dates and state of the claims they mean, the kind of
provider and where, and a prior authorisation request's details. ``words`` are
spoken.normalize's; ``said`` is the utterance as said (names keep their capitals)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from functions.agent_turn.agent.dialogue import Answer, Args, Intent
from functions.agent_turn.agent.spoken import MONTHS, spoken_date

_STOP = r"(?=\s+(?:covered|under|on my|with my|in[- ]network|cost|need|needs|require\w*|at|with|"
_STOP += r"because|on|next|this|tomorrow|planned|please|first|1st|beforehand|in advance|ahead|"
_STOP += r"before)\b|[?.,!]|$)"
_SERVICE = (
    re.compile(r"\b(?:is|are) (?:a |an |my |the )?(?P<s>[\w' -]+?)\s+covered\b"),
    re.compile(
        r"\b(?:is|are|would|will) (?:a |an |my |the )?(?P<s>[\w' -]+?) "
        r"(?:something|anything|a thing) (?:my|the) (?:plan|insurance)"
    ),
    re.compile(rf"\bcovers? (?:a |an |my |the )?(?P<s>[\w' -]+?){_STOP}"),
    re.compile(rf"\bcopay (?:for|on) (?:a |an |my |the )?(?P<s>[\w' -]+?){_STOP}"),
    re.compile(r"\bdoes (?:a |an |my |the )?(?P<s>[\w' -]+?) (?:need|require|have to|has to)\b"),
    re.compile(
        r"\b(?:how much|what) (?:will|would|do|does|am) (?:i|it) (?:owe|pay|be charged|get charged|"
        rf"cost me|be paying) (?:for|on|to get) (?:a |an |my |the )?(?P<s>[\w' -]+?){_STOP}"
    ),
    re.compile(
        rf"\bhow much (?:is|are|does|would|will) (?:a |an |my |the |it (?:cost|be) (?:for|to get) "
        rf"(?:a |an )?)?(?P<s>[\w' -]+?)(?:\s+(?:cost|be|run))?(?: me)?{_STOP}"
    ),
    re.compile(rf"\bwhat (?:do|would|will) i pay for (?:a |an |my |the )?(?P<s>[\w' -]+?){_STOP}"),
    re.compile(rf"\b(?:for|on|get|getting) (?:a |an |my |the )?(?P<s>[\w' -]+?){_STOP}"),
)
_NOT_A_SERVICE = re.compile(
    r"^(?:it|that|this|me|you|prior\b.*|pre-?auth\w*|authori[sz]ation|covered|\w+ auth\w*)$"
)
_SPECIALTY = re.compile(
    r"\b(?:primary care(?: doctor| physician)?|family (?:doctor|medicine)|pediatrician|"
    r"dermatolog\w*|skin doctor|cardiolog\w*|heart doctor|orthoped\w*|physical therap\w*|"
    r"urgent care|ob-?gyn|gynecolog\w*|psychiatr\w*|psycholog\w*|therapist|counsel+or|"
    r"chiropractor|dentist|eye doctor|optometrist|ophthalmolog\w*|neurolog\w*|allergist|"
    r"endocrinolog\w*|gastroenterolog\w*|podiatrist|oncolog\w*|urolog\w*|imaging cent(?:er|re)|"
    r"radiology|lab|pharmacy|hospital|mental health\w*)"
)
_CITY = re.compile(r"\b(?:in|around|near) (?P<c>[A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")
_CLAIM = re.compile(r"\b(?:clm[- ]?|claim (?:number |no\.? |#)?)(?P<n>(?:\d[\s-]?){6,}\d)\b", re.I)
_PRIOR_AUTH = re.compile(
    r"\b(?:pa[- ]?|reference (?:number |no\.? |#)?)(?P<n>(?:\d[\s-]?){4,}\d)\b", re.I
)
_STATUSES = (
    ("partially_paid", r"partial\w*|partly"),
    ("denied", r"denied|rejected|declined|turned down|not paid|didn't pay|wasn't paid"),
    ("appealed", r"appealed|under appeal"),
    (
        "pending",
        r"pending|processing|processed yet|still open|waiting|being processed|in process|"
        r"in progress|under review|outstanding|not (?:yet )?(?:done|decided|processed)",
    ),
    ("paid", r"paid"),
)


def _as_said(found: str, said: str) -> str:
    """``found`` (lower case) with the capitals it was said with ("MRI"), if said so."""
    match = re.search(re.escape(found).replace(r"\ ", r"\s+"), said, re.I)
    return match.group(0) if match else found


def service_after(words: str, said: str = "") -> str | None:
    for pattern in _SERVICE:
        for match in pattern.finditer(words):
            service = re.sub(r"\s+", " ", match.group("s")).strip(" -'")
            if service and not _NOT_A_SERVICE.match(service):
                return _as_said(service, said) if said else service
    return None


def claim_said(said: str) -> str | None:
    match = _CLAIM.search(said)
    return f"CLM-{re.sub(r'[^0-9]', '', match.group('n'))}" if match else None


def prior_auth_said(said: str) -> str | None:
    match = _PRIOR_AUTH.search(said)
    return f"PA-{re.sub(r'[^0-9]', '', match.group('n'))}" if match else None


def status_of_claims(words: str) -> Args:
    for status, pattern in _STATUSES:
        if re.search(rf"\b(?:{pattern})\b", words):
            return {"status": status}
    return {}


def claim_dates(words: str, today: date) -> Args:
    """The service dates "last week", "this month", "in October", "yesterday" mean."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    spans = {
        r"last week|past week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        r"this week": (monday, today),
        r"last month|past month": (
            (first - timedelta(days=1)).replace(day=1),
            first - timedelta(days=1),
        ),
        r"this month": (first, today),
        r"this year": (today.replace(month=1, day=1), today),
        r"yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        r"today": (today, today),
    }
    for pattern, (start, end) in spans.items():
        if re.search(rf"\b(?:{pattern})\b", words):
            return {"from_date": start.isoformat(), "to_date": end.isoformat()}
    month = re.search(r"\b(?:in|from|during) (?P<m>[a-z]+)\b", words)
    if month and month.group("m") in MONTHS:
        number = MONTHS[month.group("m")]
        year = today.year if number <= today.month else today.year - 1
        start = date(year, number, 1)
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return {"from_date": start.isoformat(), "to_date": end.isoformat()}
    return {}


def provider_search(words: str, said: str) -> Args:
    args: Args = {}
    specialty = _SPECIALTY.search(words)
    if specialty:
        args["specialty"] = specialty.group(0)
    zip_code = re.search(r"\b(\d{5})\b", words)
    if zip_code:
        args["zip_code"] = zip_code.group(1)
    city = _CITY.search(said)
    if city and city.group("c").lower() not in ("network", "my", "the"):
        args["city"] = city.group("c")
    if re.search(r"\b(?:new patients|accepting)\b", words):
        args["accepting_new_patients_only"] = True
    return args


_PA_SERVICE = re.compile(
    r"\b(?:for|on) (?:a |an |my |the )?(?P<s>[\w' -]+?)(?=\s+(?:at|with|on|because|next|this|"
    r"tomorrow|planned|for)\b|[?.,!]|$)"
)
_PA_PROVIDER = re.compile(
    r"\b(?:at|with|by) (?P<p>(?:[Dd]r\.? )?[A-Z][\w'.]*(?: [A-Z][\w'.]*){0,3})"
)
_PA_REASON = re.compile(
    r"\b(?:because(?: of)?|since|for my|due to|reason is)\s+(?P<r>[^,.;]+)", re.I
)


def submit_prior_auth(words: str, said: str, today: date) -> Intent | Answer:
    """A prior authorisation request, or the question for what it still lacks."""
    args: Args = {}
    service = _PA_SERVICE.search(re.sub(r"\b(?:prior auth\w*|pre-?auth\w*)\b", "", words))
    if service and not _NOT_A_SERVICE.match(service.group("s")):
        args["service"] = _as_said(service.group("s").strip(), said)
    provider = _PA_PROVIDER.search(said)
    if provider and provider.group("p")[:1].isupper():
        args["provider"] = provider.group("p").strip(" .")
    reason = _PA_REASON.search(said)
    if reason:
        args["reason"] = reason.group("r").strip(" .")
    day = spoken_date(words, today)
    if day:
        args["planned_date"] = day.isoformat()
    if re.search(r"\burgent\w*\b", words):
        args["urgency"] = "urgent"
    lacking = [w for k, w in _PA_NEEDS if k not in args]
    if lacking:
        return Answer(
            f"To request it I need {_joined(lacking)}. What are they?", "submit_prior_auth"
        )
    return Intent("submit_prior_auth", args)


_PA_NEEDS = (
    ("service", "the service"),
    ("provider", "who will provide it"),
    ("reason", "the medical reason"),
    ("planned_date", "the planned date"),
)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"
