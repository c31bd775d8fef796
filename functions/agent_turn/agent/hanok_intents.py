"""Hanok Table's plain phrasings, as the calls of its MCP tools an LLM would make: the menu,
availability, booking, finding, changing and cancelling a reservation (the guest is always the
signed-in caller, never an argument). The menu's words, the name a table is under and the
guest's requests are read by hanok_words.

A booking or availability question that lacks what the tool needs is answered with a question
instead ("For how many people, and for what day and time?"), and the answer to it is read
together with the request. A follow-up is read against the previous turn (dialogue.Context):
"yes, cancel" after the retention offer, "how about Saturday" after an availability answer,
"6:30 then" after a full slot.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from functions.agent_turn.agent.dialogue import Answer, Args, Context, Intent
from functions.agent_turn.agent.hanok_replies import say_count, say_date, say_time
from functions.agent_turn.agent.hanok_words import menu_args, name_of, requests_of
from functions.agent_turn.agent.spoken import normalize, party_size, spoken_date, spoken_time

TOOLS = (
    "get_menu",
    "check_availability",
    "book_table",
    "find_my_reservations",
    "change_reservation",
    "cancel_reservation",
)
ASK_WHICH_TIME = "Which time would you like?"
ASK_CHANGE = "What would you like to change: the day, the time or the number of people?"
KEPT = "Okay, I'll keep your reservation as it is."
NOT_BOOKED = "Alright, I won't book anything."
ASK_NAME = "What name should I put it under?"

_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|ok|okay|please|go ahead|do it|please do|that works|"
    r"sounds good|perfect|great|fine|alright|let's do it|book it)\b"
)
_NO = re.compile(r"^(?:no|nope|nah|don't|do not|never mind|keep it|leave it)\b|\bdon't cancel\b")
_CANCEL = re.compile(
    r"\b(?:cancel|call off|scrap|drop)\b.*\b(?:reservation|booking|table|dinner)\b"
)
_CANCEL_IT = re.compile(r"\bcancel(?: it| that)?\b")
_KEEP = re.compile(
    r"\b(?:don't|do not|never mind)\b.*\bcancel\b|\bkeep (?:it|the|my)\b|\bleave it\b"
)
_RESERVATION = re.compile(r"\b(?:reservations?|bookings?)\b")
_LOOK_UP = re.compile(
    r"\b(?:what|which|when|any|show|list|read|look|lookup|find|check|tell|details|"
    r"do i have|have i got)\b|^(?:my )?(?:reservations?|bookings?)$"
)
# A question about a booking already made, whatever its words: "what time is my table booked
# for", "which day did we reserve", "remind me when our dinner is".
_WHEN_BOOKED = re.compile(
    r"\b(?:when|what time|what day|which day|what date|which date|remind me when)\b.*"
    r"\b(?:(?:my|our) (?:table|dinner|lunch|reservation|booking)|booked|reserved|"
    r"did (?:i|we) (?:book|reserve))\b"
)
_CHANGE = re.compile(
    r"\b(?:change|move|modify|update|reschedule|push|switch|bump|add \d+ more|"
    r"(?:bring|take) (?:it|the time) (?:forward|back))\b.*"
    r"\b(?:reservation|booking|table|it|that)\b|\bcome (?:\w+ )?(?:later|earlier)\b"
)
_INSTEAD = re.compile(r"\bmake it\b|\binstead\b")
_OURS = re.compile(r"\b(?:reservations?|bookings?|tables?|hanok|of us|people|guests)\b")
_BOOK = re.compile(
    r"\b(?:book|reserve)\b|\bmake (?:a |me a |us a )?(?:reservation|booking)\b|"
    r"\b(?:like|love|want|need|get|grab|make|set up|(?:can|could|may) (?:i|we) have) "
    r"(?:a |us a |me a |an? )?(?:table|reservation|booking)\b|^(?:a )?table for\b|"
    r"\bwait ?list\b|"
    r"\b(?:lunch|dinner|brunch) for (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b|"
    r"\b(?:put|pencil|write) (?:me|us) down for\b"
)
_WAITLIST = re.compile(r"\bwait ?list\b|\bwaiting list\b")
_ASK_AGAIN = re.compile(r"\b(?:what|how) about\b|\binstead\b|\bis there\b|\bany\b|\bdo you have\b")
_AVAILABILITY = re.compile(
    r"\b(?:is there|are there|do you have|have you got|any|available|availability|free|open|"
    r"fit|seat)\b"
)
_TABLE = re.compile(r"\b(?:tables?|room|space|spots?|anything|availability|seats?)\b")
_MENU = re.compile(r"\b(?:menu|dish|dishes|food|serve|eat|prices?|cuisine)\b")
_CODE_WORDS = re.compile(
    r"\bcode\s+(?:is\s+)?(?P<code>(?:[a-z0-9][\s-]){7}[a-z0-9]|(?=[a-z]*\d)[a-z0-9]{8})\b"
)
_CODE = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{8}\b")
_SPELLED = re.compile(r"(?<![a-z0-9])(?P<code>(?:[a-z0-9][\s-]){7}[a-z0-9])(?![a-z0-9])")


@dataclass(frozen=True)
class Heard:
    """An utterance with what it names: as said (names keep their capitals) and normalized."""

    text: str
    words: str
    date: str | None
    time: str | None
    party_size: int | None

    @classmethod
    def of(
        cls, utterance: str, today: dt.date, *, after_to: bool = False, bare: bool = False
    ) -> Heard:
        words = normalize(utterance)
        day = spoken_date(words, today)
        return cls(
            text=utterance,
            words=words,
            date=day.isoformat() if day else None,
            time=spoken_time(words, after_to=after_to, bare=bare),
            party_size=party_size(words),
        )

    def slots(self) -> Args:
        found = {"date": self.date, "time": self.time, "party_size": self.party_size}
        return {k: v for k, v in found.items() if v is not None}


def parse(utterance: str, today: dt.date, context: Context | None = None) -> Intent | Answer | None:
    context = context or Context()
    heard = Heard.of(utterance, today)
    found = _follow_up(heard, context, today) or _fresh(heard, context, today)
    if context.asked and not isinstance(found, Intent):
        return _with_request(utterance, today, context) or found
    return found


def _with_request(answer: str, today: dt.date, context: Context) -> Intent | Answer | None:
    """The answer to our questions, read with the request they were asked about. A later answer
    overrides an earlier one ("no, Thursday"); a party size we only guessed from a number said
    alone ("four, tomorrow at seven") is read back before booking, with the name asked."""
    questions = [question for _, question in context.asked]
    answers = [answer for answer, _ in context.asked[1:]] + [answer]
    pieces = [context.asked[0][0]]
    guessed = False
    for question, said in zip(questions, answers, strict=True):
        piece, guess = _as_answer_to(question, said, today)
        if piece is None:  # not an answer to it: a new request, or not understood
            return None
        pieces.append(piece)
        guessed = guessed or guess
    joined = ", ".join(p for p in pieces if p)
    found = parse(joined, today, context.without_questions())
    if found is None or found.tool not in TOOLS:
        return None
    heard = Heard.of(joined, today)
    if found.tool not in ("book_table", "check_availability") or _follow_up(
        heard, context.without_questions(), today
    ):
        return found  # not a booking being filled in, or one read against the last tool call
    slots = _latest_slots(pieces, heard, today)
    if found.tool == "check_availability":
        return _availability_of(slots)
    waitlist = isinstance(found, Intent) and bool(found.args.get("join_waitlist"))
    booked = _booking(heard, slots, waitlist=waitlist)
    last_was_a_correction = questions[-1].endswith(ASK_NAME) and bool(
        Heard.of(answers[-1], today).slots()
    )
    confirmed = questions[-1].endswith(ASK_NAME) and not last_was_a_correction
    if isinstance(booked, Intent) and guessed and "name" not in booked.args and not confirmed:
        return Answer(_read_back(booked.args), "book_table")
    return booked


_HINTS = re.compile(r"\b(?:morning|breakfast|lunch|brunch)\b")


def _latest_slots(pieces: list[str], heard: Heard, today: dt.date) -> Args:
    """The day, time and party size of the request and its answers, the latest said of each
    winning; a time read with the meal or part of the day said anywhere ("breakfast", "at 9")."""
    hints = " ".join(dict.fromkeys(_HINTS.findall(heard.words)))
    slots = heard.slots()
    for piece in pieces[1:]:
        slots |= Heard.of(f"{piece} {hints}" if hints else piece, today).slots()
    return slots


def _read_back(args: Args) -> str:
    table = f"a table for {say_count(int(args['party_size']))} on {say_date(args['date'])}"
    return f"That's {table} at {say_time(args['time'])}. {ASK_NAME}"


_LEADING_NUMBER = re.compile(
    r"^(?P<n>\d{1,2})(?!\s*(?:am|pm|o'?clock|hours?|minutes?|people|persons?|guests?|of us|"
    r"st|nd|rd|th|[:.]?\d)\b)(?=\s*(?:[,;.!?]|$|\b[a-z]))"
)
_MY_NAME = re.compile(
    r"\b(?:my (?:own )?name(?!\s*(?:is|'s)\b)|the name on (?:my|the) account|the usual|"
    r"(?:it )?doesn't matter|that's (?:right|correct|fine)|correct|right)\b"
)
_NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        "yes yeah no nope ok okay sure thanks thank you please cancel stop wait hold on never "
        "mind what how why when who where which is are do does can could would will the a an "
        "and or hello hi hey bye goodbye sorry actually um uh",
    )
)


def _as_answer_to(question: str, answer: str, today: dt.date) -> tuple[str | None, bool]:
    """The answer as the question meant it, and whether a party size was guessed: a number
    alone ("four", "7") is a party size or a time, a number first ("four, tomorrow at seven")
    the party size asked for (a guess when the day or time was asked for too), a word or two
    after "what name" the name. None: not an answer
    to the name question (a new request, or not understood)."""
    words = normalize(answer).strip(" .!?")
    if question.endswith(ASK_NAME):
        return _as_name(answer, words, today), False
    asked = question.lower()
    if re.fullmatch(r"\d{1,2}", words):
        if "time" in asked and "people" not in asked:
            return "at " + answer, False
        return "for " + answer, False
    if "people" in asked and party_size(words) is None and _LEADING_NUMBER.match(words):
        return "for " + answer, "," in asked  # a guess when the question asked for more
    return answer, False


def _as_name(answer: str, words: str, today: dt.date) -> str | None:
    """An answer to "what name should I put it under?": a name, the caller's own ("yes", "my
    name"), or a correction of the day, time or party size ("no, Thursday")."""
    heard = Heard.of(answer, today)
    if heard.slots():
        return answer
    if _MY_NAME.search(words) or (_YES.search(words) and not name_of(answer)):
        return ""
    if name_of(answer):
        return answer
    said = re.sub(
        r"^(?:it's|it is)\s+|[\s,]+(?:please|thanks|thank you)$", "", answer.strip(" .!?,")
    )
    names = said.split()
    if (
        1 <= len(names) <= 3
        and all(re.fullmatch(r"[^\W\d_][\w'-]*", n) for n in names)
        and not _NOT_NAMES.intersection(n.lower() for n in names)
        and _fresh(heard, Context(), today) is None
    ):
        return f"under the name {said}"
    return None


# ---- follow-ups of the previous turn ---------------------------------------------------------


def _follow_up(heard: Heard, context: Context, today: dt.date) -> Intent | Answer | None:
    if len(heard.words.split()) <= 5:  # a short answer: a number alone may be a time offered
        heard = Heard.of(heard.text, today, bare=True)
    outcome = context.result.get("outcome")
    if context.tool == "cancel_reservation" and outcome == "retention_offer":
        return _after_offer(heard, context)
    if context.tool == "check_availability" and context.result.get("ok"):
        return _after_availability(heard, context)
    if context.tool == "book_table" and outcome == "full":
        return _after_full(heard, context)
    if context.tool == "book_table" and context.reservation_code():
        return _after_booking(heard, context, today)
    if context.tool in ("change_reservation", "cancel_reservation") and not context.result.get(
        "ok"
    ):
        code = _said_code(heard, spelled_alone=True)  # "which one?": the caller names it
        return Intent(context.tool, context.args | {"code": code}) if code else None
    return None


def _after_offer(heard: Heard, context: Context) -> Intent | Answer | None:
    # "No, I still want to cancel" cancels: the verb decides, not the "no" before it.
    if _KEEP.search(heard.words) or (
        _NO.search(heard.words) and not _CANCEL_IT.search(heard.words)
    ):
        return Answer(KEPT, "cancel_reservation")
    if _YES.search(heard.words) or _CANCEL_IT.search(heard.words):
        args = _with_code(heard, context, {"accept_retention_offer": True})
        return Intent("cancel_reservation", args)
    return None


def _after_availability(heard: Heard, context: Context) -> Intent | Answer | None:
    asked = _asked(context)
    requested = context.result.get("requested") or {}
    offered = context.result.get("nearest") or []
    if _NO.search(heard.words):
        return Answer(NOT_BOOKED, "book_table")
    if heard.slots() and _ASK_AGAIN.search(heard.words) and not _BOOK.search(heard.words):
        return _availability_of(asked | heard.slots())
    if not (_YES.search(heard.words) or _BOOK.search(heard.words) or heard.time):
        return None
    if requested and not requested.get("available"):  # the time asked for is taken
        asked.pop("time", None)
        if not heard.time and len(offered) != 1:
            return Answer(ASK_WHICH_TIME, "book_table")
        asked |= {"time": offered[0]} if offered else {}
    return _booking(heard, asked | heard.slots())


def _after_full(heard: Heard, context: Context) -> Intent | Answer | None:
    asked = _asked(context)
    alternatives = context.result.get("alternatives") or []
    yes = _YES.search(heard.words)
    if _NO.search(heard.words):
        return Answer(NOT_BOOKED, "book_table")
    if _WAITLIST.search(heard.words) or (yes and not alternatives):
        return _booking(heard, asked | heard.slots(), waitlist=True)
    if heard.slots():
        return _booking(heard, asked | heard.slots())
    return Answer(ASK_WHICH_TIME, "book_table") if yes else None


_CORRECTION = re.compile(
    r"^(?:no|nope|sorry|actually|wait|oops|oh|hmm|not|i meant|i said|make (?:it|that))\b"
)


def _after_booking(heard: Heard, context: Context, today: dt.date) -> Intent | None:
    """A correction of the booking just made ("no, Thursday", "actually at 8"): changed."""
    if not _CORRECTION.search(heard.words) or _BOOK.search(heard.words):
        return None
    slots = Heard.of(heard.text, today, after_to=True, bare=True).slots()
    return Intent("change_reservation", _with_code(heard, context, slots)) if slots else None


def _asked(context: Context) -> Args:
    """The previous call's date, time and party size."""
    return {k: v for k, v in context.args.items() if k in ("date", "time", "party_size")}


# ---- requests on their own -------------------------------------------------------------------


def _fresh(heard: Heard, context: Context, today: dt.date) -> Intent | Answer | None:
    spoke_of_one = context.tool in TOOLS and context.reservation_code()
    if _CANCEL.search(heard.words) or (spoke_of_one and _CANCEL_IT.search(heard.words)):
        return Intent("cancel_reservation", _with_code(heard, context, {}))
    booking = _BOOK.search(heard.words)
    # "make it eleven instead" after another domain's tool is not about a reservation.
    ours = context.tool in (None, *TOOLS) or _OURS.search(heard.words)
    if _CHANGE.search(heard.words) or (_INSTEAD.search(heard.words) and ours and not booking):
        return _change(Heard.of(heard.text, today, after_to=True), context)
    if _is_look_up(heard):
        return Intent("find_my_reservations", {})
    if booking:
        return _booking(heard, heard.slots(), waitlist=bool(_WAITLIST.search(heard.words)))
    menu = menu_args(heard.words)
    if (menu or _MENU.search(heard.words)) and not (heard.date or heard.party_size):
        return Intent("get_menu", menu)
    if _AVAILABILITY.search(heard.words) and (_TABLE.search(heard.words) or heard.slots()):
        return _availability_of(heard.slots())
    return None


def _is_look_up(heard: Heard) -> bool:
    if _WHEN_BOOKED.search(heard.words) and not heard.party_size:
        return True
    if not (_RESERVATION.search(heard.words) and _LOOK_UP.search(heard.words)):
        return False
    asks_for_a_table = _AVAILABILITY.search(heard.words) and heard.party_size
    return not (asks_for_a_table or _BOOK.search(heard.words))


def _change(heard: Heard, context: Context) -> Intent | Answer:
    args = heard.slots() | requests_of(heard.words)
    if not args:
        return Answer(ASK_CHANGE, "change_reservation")
    return Intent("change_reservation", _with_code(heard, context, args))


def _booking(heard: Heard, slots: Args, *, waitlist: bool = False) -> Intent | Answer:
    question = _missing(slots, ("party_size", "date", "time"))
    if question:
        return Answer(question, "book_table")
    args = {k: slots[k] for k in ("date", "time", "party_size")}
    args |= name_of(heard.text) | requests_of(heard.words)
    if waitlist:
        args["join_waitlist"] = True
    return Intent("book_table", args)


def _availability_of(slots: Args) -> Intent | Answer:
    question = _missing(slots, ("party_size", "date"))
    if question:
        return Answer(question, "check_availability")
    return Intent(
        "check_availability", {k: slots[k] for k in ("date", "party_size", "time") if k in slots}
    )


def _missing(slots: Args, needed: tuple[str, ...]) -> str | None:
    """The question for what ``slots`` lacks of ``needed``, or None."""
    lacking = [k for k in needed if k not in slots]
    when = {
        ("date", "time"): "for what day and time",
        ("date",): "for what day",
        ("time",): "at what time",
    }.get(tuple(k for k in lacking if k != "party_size"))
    if "party_size" in lacking:
        return f"For how many people, and {when}?" if when else "For how many people?"
    return f"{when[0].upper()}{when[1:]}?" if when else None


def _said_code(heard: Heard, *, spelled_alone: bool = False) -> str | None:
    """A confirmation code said: "code K 7 Q M...", "K7QM2XPA"; ``spelled_alone`` also takes
    eight characters spelled out without the word "code" (in answer to "which one?")."""
    found = _CODE_WORDS.search(heard.words) or (
        _SPELLED.search(heard.words) if spelled_alone else None
    )
    if found:
        return re.sub(r"[\s-]", "", found.group("code")).upper()
    said = _CODE.search(heard.text)
    return said.group(0) if said else None


def _with_code(heard: Heard, context: Context, args: Args) -> Args:
    """``args`` with the reservation's code: the one said, else the one just spoken of."""
    code = _said_code(heard) or context.reservation_code()
    return ({"code": code} if code else {}) | args
