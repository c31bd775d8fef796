"""A front desk's small talk and its limits, answered without a tool.

``refusal`` runs before every domain's parser: another person's data ("what are John's
todos"), database commands ("run this SQL"), our instructions ("what's your system prompt") and
medical advice ("should I take ibuprofen") get a short, kind no and what we can do instead.
``chat`` runs after them all: hello, thanks, "what can you do", goodbye.

Each is a ``Said``: an ``Answer`` that needs no tool (``tool`` is empty). ``ends_call`` is true
for a closing ("goodbye"): the rules model then marks its reply with
``additional_kwargs["ends_call"] = True``, so that the phone path can hang up once it is spoken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from functions.agent_turn.agent.dialogue import Answer, Context
from functions.agent_turn.agent.spoken import normalize

CAN_DO = (
    "I can manage your todos, reminders and calendar; answer mortgage questions and help with "
    "an application; check your health plan's benefits and claims and book clinic "
    "appointments; make and change reservations at Hanok Table; and put you through to a "
    "person whenever you'd like."
)
FALLBACK = (
    "Sorry, I didn't catch that. I can help with todos, reminders and your calendar, mortgages, "
    "your health plan and clinic appointments, Hanok Table reservations, or a person."
)


@dataclass(frozen=True)
class Said(Answer):
    """A reply that needs no tool; ``ends_call`` when it closes the conversation."""

    tool: str = ""
    ends_call: bool = False


_OTHERS = (
    r"(?:(?!(?:what|that|it|there|here|who|where|how|let|team|today|tomorrow|tonight|week|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|year|month|one|he|she)'s)[a-z]+'s|"
    r"(?:my|his|her|their|our)\s+(?:wife|husband|partner|son|daughter|"
    r"mom|mum|mother|dad|father|boss|friend|brother|sister|kid|kids|child|children|neighbou?r|"
    r"colleague|coworker|roommate|girlfriend|boyfriend)(?:'s)?|someone else's|other people's|"
    r"another (?:person|user|member|customer)'s|everyone's|all (?:the )?users')"
)
_THEIR_DATA = re.compile(
    rf"\b(?:what|what's|what are|read|show|tell|give|list|check|see|look|open|pull up|access|"
    rf"get)\b.*\b{_OTHERS}\s+(?:\w+\s+)?(?:todos?|to-?dos?|tasks?|reminders?|calendar|schedule|"
    r"events?|meetings?|claims?|benefits?|health|medical|records?|prescriptions?|mortgage|"
    r"applications?|loans?|reservations?|bookings?|appointments?|data|account|details|info|"
    r"information|email|phone|address)\b"
)
# The same asked the other way round: "show me the claims for my son".
_FOR_THEM = re.compile(
    r"\b(?:what|what's|what are|read|show|tell|give|list|check|see|look|open|pull up|access|"
    r"get)\b.*\b(?:todos?|to-?dos?|tasks?|reminders?|calendar|schedule|claims?|benefits?|"
    r"records?|prescriptions?|applications?|account|details)\s+(?:of|for|belonging to)\s+"
    r"(?:my|his|her|their|our)\s+(?:wife|husband|partner|son|daughter|mom|mum|mother|dad|"
    r"father|boss|friend|brother|sister|kids?|child|children|neighbou?r|colleague|coworker|"
    r"roommate|girlfriend|boyfriend)\b"
)
_SQL = re.compile(
    r"\b(?:sql|select\s+\*|select\s+[\w, ]+\s+from\s+\w+|drop\s+table|delete\s+from|"
    r"insert\s+into|update\s+\w+\s+set|database|union\s+select|(?:or|where)\s+1\s*=\s*1|"
    r"run\s+(?:this|a|the)\s+(?:query|command|code|script))\b"
)
_INSTRUCTIONS = re.compile(
    r"\b(?:system prompt|your (?:instructions|prompt|rules|programming|configuration)|"
    r"ignore (?:all |your |the |previous |prior )+(?:instructions|rules)|developer mode|jailbreak|"
    r"who (?:made|built|programmed) you|what model are you)\b"
)
_MEDICAL = re.compile(
    r"\b(?:should i (?:take|stop taking|be worried|go to (?:the )?(?:er|hospital|doctor))|"
    r"is (?:this|it|that|my)\b.*\b(?:cancer|serious|dangerous|infected|broken|normal)|"
    r"(?:how much|how many)\b.*\b(?:should i take|can i take)|dosage|diagnos\w*|"
    r"what (?:medicine|medication|pills?|drug) should|can i take (?:ibuprofen|tylenol|aspirin|"
    r"advil|paracetamol|acetaminophen|antibiotics|\w+ (?:with|and) \w+)|do i have (?:cancer|covid|"
    r"the flu|diabetes|an infection)|what'?s wrong with (?:me|my)|is it safe to (?:take|mix))"
)
_REFUSALS = (
    (
        _THEIR_DATA,
        "I'm sorry, I can only look at your own account, not anyone else's. "
        "I'm happy to help with your todos, calendar, health plan or anything else of yours.",
    ),
    (
        _FOR_THEM,
        "I'm sorry, I can only look at your own account, not anyone else's. "
        "I'm happy to help with your todos, calendar, health plan or anything else of yours.",
    ),
    (
        _SQL,
        "Sorry, I can't run database commands. Tell me what you'd like done, like adding a "
        "todo or checking a claim, and I'll do it for you.",
    ),
    (
        _INSTRUCTIONS,
        "Sorry, I can't share how I'm set up. What I can do is help with your "
        "todos, reminders and calendar, mortgages, your health plan, Hanok Table, or a person.",
    ),
    (
        _MEDICAL,
        "I'm sorry, I can't give medical advice; a doctor or nurse is the right person "
        "for that. I can check what your plan covers, find an in-network provider or book a "
        "clinic appointment for you.",
    ),
)
_HELLO = re.compile(
    r"^(?:hi|hello|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|"
    r"morning|afternoon|evening)(?: there| again| convonet| you)?$"
)
_HOW_ARE_YOU = re.compile(r"\bhow(?:'s| is| are)\s+(?:you|it going|things|your day)\b")
_THANKS = re.compile(r"\b(?:thanks?|thank you|thx|cheers|appreciate it|much appreciated)\b")
_BYE = re.compile(
    r"\b(?:good ?bye|bye|see you|see ya|talk (?:to you )?later|that's all|that is all|that'll be "
    r"all|that's it|i'm done|i am done|nothing else|no thanks|have a (?:good|nice|great) (?:day|"
    r"one|night)|"
    r"good night|hang up|end (?:the )?call)\b"
)
_WHAT_CAN = re.compile(
    r"\bwhat (?:can|do|else can) (?:you|i)\b.*\b(?:do|help|ask)\b|\bhow can you help\b|"
    r"\bwhat are you\b|\bwho are you\b|^help$|\bwhat do you do\b|\bwhat are my options\b|"
    r"\bcan you help(?: me)?$|\bwhat (?:kind|sort)s? of (?:things|stuff)\b|"
    r"\bwhat (?:are you able to|else can you|are you capable of|can you) (?:do|help)\b"
)
_FILLER = re.compile(r"^(?:(?:um+|uh+|oh|well|okay|ok|so|and|hey|please)\b[\s,]*)+")


def _words(utterance: str) -> str:
    words = normalize(utterance).strip().strip(".!?,;:\"' ")
    return _FILLER.sub("", re.sub(r"\s+", " ", words)).strip(" ,.!?")


def refusal(utterance: str, today: date, context: Context | None = None) -> Said | None:
    """A kind no to what the front desk must not do, or None."""
    words = _words(utterance)
    for pattern, text in _REFUSALS:
        if pattern.search(words):
            return Said(text)
    return None


def chat(utterance: str, today: date, context: Context | None = None) -> Said | None:
    """Hello, thanks, "what can you do", goodbye; or None."""
    words = _words(utterance)
    if not words:
        return None
    if _WHAT_CAN.search(words):
        return Said(CAN_DO)
    if _BYE.search(words) and len(words.split()) <= 8:
        return Said(
            "You're welcome. Goodbye, and have a good day!"
            if _THANKS.search(words)
            else "Goodbye, and have a good day!",
            ends_call=True,
        )
    if _THANKS.search(words):
        return Said("You're welcome! Is there anything else I can help with?")
    if _HOW_ARE_YOU.search(words):
        return Said("I'm doing well, thank you for asking! What can I do for you?")
    if _HELLO.search(words):
        part = re.search(r"\b(morning|afternoon|evening)\b", words)
        hello = f"Good {part.group(1)}!" if part else "Hello!"
        return Said(f"{hello} How can I help you today?")
    return None
