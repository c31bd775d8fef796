"""The mortgage application's phrasings: starting one, its status and progress, submitting or
withdrawing it (after a yes), its documents ("what documents do I still need", "I uploaded my
W2"), its debts ("add my car loan, four fifty a month") and its financial details ("my credit
score is seven twenty"). ``words`` are mortgage_amounts.canonical's."""

from __future__ import annotations

import re
from datetime import date, timedelta

from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.mortgage_amounts import Figures, canonical, money_roles
from functions.agent_turn.agent.mortgage_words import (
    DEBT_TYPES,
    DOCUMENT_TYPES,
    EMPLOYMENT,
    debt_named,
    first_of,
    lender_of,
    monthly_payment,
)

TOOLS = (
    "create_mortgage_application",
    "get_mortgage_application_status",
    "list_mortgage_applications",
    "submit_mortgage_application",
    "withdraw_mortgage_application",
    "update_mortgage_financial_info",
    "add_mortgage_debt",
    "list_mortgage_debts",
    "remove_mortgage_debt",
    "record_mortgage_document",
    "list_mortgage_documents",
    "get_required_mortgage_documents",
    "get_missing_mortgage_documents",
    "get_mortgage_application_progress",
)
ASK_PURPOSE = "Is it to buy a home or to refinance one, and what's the home's price or value?"
ASK_VALUE = "What's the price of the home, or what is it worth today?"
ASK_WITHDRAW = (
    "Withdrawing can't be undone. Are you sure you want to withdraw your mortgage application?"
)
KEPT = "Okay, I'll leave your application as it is."
QUESTIONS = frozenset({ASK_PURPOSE, ASK_VALUE, ASK_WITHDRAW})

_YES = re.compile(r"^(?:yes|yeah|yep|yup|sure|ok|okay|please|go ahead|do it|i'm sure|confirm)")
_LOAN_WORDS = r"(?:mortgage|home loan|loan|refi\w*|application|pre-?approval)"
_APPLICATION = re.compile(rf"\b{_LOAN_WORDS}s?\b")
_REF = re.compile(r"\bma[- ]?(?P<n>\d{6})\b|\bapplication (?:number )?(?P<m>\d{6})\b", re.I)
_START = re.compile(
    rf"\b(?:start|begin|open|apply|set up|fill out|new|get)\b.*\b{_LOAN_WORDS}\b|"
    r"\bapply for\b|\bi(?:'d| would) like (?:a|to get a) (?:mortgage|home loan)\b|"
    r"\b(?:like|want|need|looking) to refi\w*|\brefinanc\w* my\b|"
    r"\b(?:need|want|looking for|after|interested in|shopping for)\s+(?:a |an )?(?:new )?"
    r"(?:mortgage|home loan)\b|"
    r"\b(?:thinking (?:of|about)|looking (?:at|into)|considering|planning on|want|hoping) "
    r"(?:to )?refinanc\w*"
)
_SUBMIT = re.compile(
    r"\b(?:submit|send in|send off|hand in|finali[sz]e|turn in|file)\b|"
    r"\b(?:send|hand|turn) (?:\w+ ){1,3}(?:in|off)\b"
)
_WITHDRAW = re.compile(r"\b(?:withdraw|cancel|pull|scrap|call off)\b")
_LIST = re.compile(r"\b(?:list|all|how many|which|every)\b.*\bapplications\b|\bmy applications\b")
_PROGRESS = re.compile(
    r"\b(?:progress|how far|percent|steps?|what's next|next step|left to do|still to do|"
    r"what (?:do|else do) i (?:still )?(?:need to|have to) do)\b"
)
_STATUS = re.compile(
    r"\b(?:status|where (?:is|are|does|do)|where's|going|update on|news|approved|decision|"
    r"stand|check on)\b"
)
_DOCS = re.compile(r"\b(?:documents?|docs?|paperwork|papers|forms?|files)\b")
_MISSING = re.compile(r"\b(?:still|missing|left|outstanding|remaining|else|yet|owe you)\b")
# What the lender still waits for, said without naming documents: "is there anything else
# you're waiting on from me", "what else do you need from me for the loan".
_WAITING_ON_ME = re.compile(
    r"\b(?:waiting (?:on|for)|still (?:need|require|want)|need from me|want from me|"
    r"missing from me|outstanding)\b"
)
# What the lender has, asked without naming documents: "what have you got from me so far".
_GOT_FROM_ME = re.compile(r"\b(?:got|received|have) (?:\w+ )?from me\b|\bwhat have i sent\b")
# What the lender wants, asked as what to send: "what do I have to send you for the mortgage".
_TO_SEND = re.compile(
    r"\b(?:what|which)\b.*\b(?:send|provide|bring|give|upload|get) (?:you|in|over|to you)\b|"
    r"\bwhat do you need (?:from me|to see)\b"
)
_RECEIVED = re.compile(r"\b(?:received|got|have you|on file|did you get|have i sent|so far)\b")
_REQUIRED = re.compile(r"\b(?:need|required|require|requirements|should i|have to|must)\b")
_SENT = re.compile(
    r"\b(?:uploaded|upload(?:ing)?|sent|sending|emailed|faxed|attached|submitted|dropped off|"
    r"handed in|mailed|here's|here is|got you|just did)\b"
)
_DEBT_ADD = re.compile(r"\b(?:add|i have|i've got|i also have|there's|i pay|plus|also)\b")
_DEBT_LIST = re.compile(r"\b(?:what|list|show|which|read|tell|go over)\b.*\bdebts?\b|my debts\b")
_DEBT_REMOVE = re.compile(
    r"\b(?:remove|delete|take off|take (?:\w+ ){1,3}off|drop|paid off|pay off|no longer have|"
    r"get rid of)\b"
)
_CREDIT = re.compile(r"\bcredit score\b\D{0,25}(?P<n>\d{3})\b|\b(?P<m>\d{3}) credit score\b")
_INCOME = re.compile(r"\b(?:i make|i earn|my (?:income|salary)|income is|salary is|bring in)\b")
_PER_MONTH = re.compile(r"\b(?:a|per) month\b|\bmonthly\b")
_UPDATE_FIELDS = (
    (re.compile(r"\b(?:interest )?rate\b"), "interest_rate"),
    (re.compile(r"\bdown ?payment\b"), "down_payment"),
    (re.compile(r"\bloan amount\b|\bborrow\b"), "loan_amount"),
    (re.compile(r"\b(?:property value|price|worth|value)\b"), "property_value"),
)


def is_paperwork(words: str) -> bool:
    """Whether the utterance is about the application rather than a calculation."""
    return bool(_DOCS.search(words) or _CREDIT.search(words) or _DEBT_LIST.search(words))


def application_ref(said: str) -> Args:
    match = _REF.search(said)
    return {"application": f"MA-{match.group('n') or match.group('m')}"} if match else {}


def parse(words: str, said: str, today: date, context: Context) -> Intent | Answer | None:
    ref = application_ref(said)
    return (
        _documents(words, ref, today)
        or _debts(words, said, ref)
        or _application(words, ref)
        or _financials(words, ref)
    )


def answered(answer: str, today: date, context: Context) -> Intent | Answer | None:
    question = context.asked[-1][1]
    words = canonical(answer)
    if question == ASK_WITHDRAW:
        if _YES.search(words) or _WITHDRAW.search(words):
            ref = application_ref(context.asked[0][0])
            return Intent("withdraw_mortgage_application", ref | {"confirmed": True})
        return Answer(KEPT, "withdraw_mortgage_application")
    said = ", ".join([context.asked[0][0], *[a for a, _ in context.asked[1:]], answer])
    return _application(canonical(said), application_ref(said))


def _application(words: str, ref: Args) -> Intent | Answer | None:
    if not _APPLICATION.search(words):
        return None
    if _WITHDRAW.search(words):
        return Answer(ASK_WITHDRAW, "withdraw_mortgage_application")
    if _SUBMIT.search(words) and not re.search(r"\b(?:new|start)\b", words):
        return Intent("submit_mortgage_application", ref)
    if _LIST.search(words):
        which = first_of(
            words,
            (("open", r"open|active|pending|current"), ("closed", r"closed|old|past|previous")),
        )
        return Intent("list_mortgage_applications", {"which": which} if which else {})
    if _PROGRESS.search(words):
        return Intent("get_mortgage_application_progress", ref)
    if _START.search(words) and not _STATUS.search(words):
        return _new_application(words)
    if _STATUS.search(words):
        return Intent("get_mortgage_application_status", ref)
    return None


def _new_application(words: str) -> Intent | Answer:
    figures = Figures.of(words)
    args: Args = money_roles(figures)
    purpose = first_of(
        words, (("refinance", r"refi\w*"), ("purchase", r"buy\w*|purchas\w*|bought"))
    )
    if "property_value" not in args and "loan_amount" in args and "down_payment" in args:
        args["property_value"] = args.pop("loan_amount")
    if purpose is None or "property_value" not in args:
        if "loan_amount" in args and "property_value" not in args and purpose == "purchase":
            args["property_value"] = args.pop("loan_amount")
        else:
            return Answer(
                ASK_PURPOSE if purpose is None else ASK_VALUE, "create_mortgage_application"
            )
    args["loan_purpose"] = purpose
    if figures.term:
        args["term_years"] = figures.term
    if figures.rate is not None:
        args["interest_rate"] = figures.rate
    employment = first_of(words, EMPLOYMENT)
    return Intent(
        "create_mortgage_application",
        args | ({"employment_type": employment} if employment else {}),
    )


def _documents(words: str, ref: Args, today: date) -> Intent | None:
    kind = first_of(words, DOCUMENT_TYPES)
    if kind and _SENT.search(words) and not words.rstrip().endswith("?"):
        args: Args = ref | {"document_type": kind}
        year = re.search(r"\b(20\d\d)\b", words)
        if year:
            args["description"] = year.group(1)
        if re.search(r"\byesterday\b", words):
            args["received_on"] = (today - timedelta(days=1)).isoformat()
        return Intent("record_mortgage_document", args)
    if not _DOCS.search(words):
        if not _APPLICATION.search(words):
            return None
        if _WAITING_ON_ME.search(words):
            return Intent("get_missing_mortgage_documents", ref)
        if _GOT_FROM_ME.search(words):
            return Intent("list_mortgage_documents", ref)
        return Intent("get_required_mortgage_documents", ref) if _TO_SEND.search(words) else None
    if _MISSING.search(words):
        return Intent("get_missing_mortgage_documents", ref)
    if _RECEIVED.search(words) or _SENT.search(words):
        return Intent("list_mortgage_documents", ref)
    if _REQUIRED.search(words) or re.search(r"\b(?:what|which)\b", words):
        return Intent("get_required_mortgage_documents", ref)
    return None


def _debts(words: str, said: str, ref: Args) -> Intent | None:
    if _DEBT_LIST.search(words) and not _DEBT_REMOVE.search(words):
        return Intent("list_mortgage_debts", ref)
    kind = first_of(words, DEBT_TYPES)
    if kind is None:
        return None
    if _DEBT_REMOVE.search(words):
        return Intent("remove_mortgage_debt", ref | {"debt": debt_named(words)})
    payment = monthly_payment(words)
    if payment is None or not (_DEBT_ADD.search(words) or _PER_MONTH.search(words)):
        return None
    args: Args = ref | {"debt_type": kind, "monthly_payment": payment}
    balance = re.search(
        r"\b(?:balance (?:of |is )?|owe |still owe )(?:about |around )?(\d+)\b|"
        r"\b(\d+) (?:left|remaining|balance)\b",
        words,
    )
    if balance:
        args["balance"] = int(balance.group(1) or balance.group(2))
    return Intent("add_mortgage_debt", args | lender_of(said))


def _financials(words: str, ref: Args) -> Intent | None:
    args: Args = {}
    credit = _CREDIT.search(words)
    if credit:
        args["credit_score"] = int(credit.group("n") or credit.group("m"))
    figures = Figures.of(words)
    income = figures.first_amount(1000)
    if _INCOME.search(words) and income is not None:
        args["monthly_income" if _PER_MONTH.search(words) else "annual_income"] = income
    employment = first_of(words, EMPLOYMENT)
    if employment and re.search(r"\b(?:i'm|i am|i work|i've been|update|change)\b", words):
        args["employment_type"] = employment
    if re.search(
        r"\b(?:change|update|set|make|correct|fix|lower|raise)\b", words
    ) and _APPLICATION.search(words):
        args |= _updated_fields(words, figures)
    return Intent("update_mortgage_financial_info", ref | args) if args else None


def _updated_fields(words: str, figures: Figures) -> Args:
    args: Args = {}
    if figures.term:
        args["term_years"] = figures.term
    for pattern, field in _UPDATE_FIELDS:
        if not pattern.search(words):
            continue
        value = figures.rate if field == "interest_rate" else figures.first_amount()
        if value is not None:
            args[field] = value
    return args
