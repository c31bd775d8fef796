"""What a Hanok Table caller names besides the day, time and party size: the menu's dishes by
diet and course ("any vegan options", "what desserts"), the name a table is under ("under
Kim") and the guest's requests ("it's my mom's birthday", "a high chair")."""

from __future__ import annotations

import re

from functions.agent_turn.agent.dialogue import Args

_DIETARY = (
    (re.compile(r"\b(?:vegans?|plant-? ?based)\b"), "vegan"),
    (re.compile(r"\b(?:vegetarians?|veggie|meat-? ?free|without meat|no meat)\b"), "vegetarian"),
    (re.compile(r"\b(?:gluten|celiacs?|coeliacs?)\b"), "gluten_free"),
    (re.compile(r"\b(?:dairy|lactose)\b"), "dairy_free"),
    (re.compile(r"\bspic(?:y|e)\b"), "spicy"),
    (re.compile(r"\b(?:pea|wal)?nuts?\b"), "contains_nuts"),
    (re.compile(r"\b(?:shellfish|shrimp|seafood)\b"), "contains_shellfish"),
)
_CATEGORIES = (
    (re.compile(r"\b(?:desserts?|sweets?)\b"), "desserts"),
    (re.compile(r"\b(?:starters?|appeti[sz]ers?|banchan|small plates)\b"), "starters"),
    (re.compile(r"\b(?:mains?|main (?:courses?|dishes)|entr[eé]es?)\b"), "mains"),
    (re.compile(r"\b(?:drinks?|beverages?|wines?|soju|makgeolli|beer|alcohol)\b"), "drinks"),
)
_NAME = re.compile(
    r"\b(?:under(?: the name(?: of)?)?|in the name of|name is|name's|named)\s+(?P<name>.+)$", re.I
)
_NOT_A_NAME = re.compile(
    r"^(?:at|on|for|and|please|it|it's|with|we|i|the|a|this|next|tomorrow|today|tonight|"
    r"party|table)$",
    re.I,
)
_REQUESTS = (
    re.compile(
        r"\b(?:it's|it is|for|celebrating)\s+(?:a|an|our|my|his|her|their)\s+(?P<what>(?:\w+ )?"
        r"(?:birthday|anniversary|graduation|engagement|celebration|date night|business dinner))"
    ),
    re.compile(
        r"\b(?P<what>high ?chairs?|booster seats?|wheelchair(?: access)?|window (?:seat|table)|"
        r"booth|quiet table|outdoor table|patio)\b"
    ),
    re.compile(r"\b(?P<what>(?:\w+ )?allergy|allergic to \w+)\b"),
    re.compile(r"\b(?:special )?requests?(?: is| are|:)?\s+(?P<what>[^,.;]+)"),
)


def menu_args(words: str) -> Args:
    args: Args = {}
    for pattern, category in _CATEGORIES:
        if pattern.search(words):
            args["category"] = category
            break
    for pattern, tag in _DIETARY:
        if pattern.search(words):
            args["dietary"] = tag
            break
    return args


def name_of(text: str) -> Args:
    """The name a booking is under ("under Kim", "name is Park"), as said."""
    match = _NAME.search(text)
    if not match:
        return {}
    words: list[str] = []
    for word in re.split(r"\s+", match.group("name")):
        clean = word.strip(".,;:!?\"'")
        if not clean[:1].isalpha() or _NOT_A_NAME.match(clean) or len(words) == 3:
            break
        words.append(clean)
        if clean != word:  # punctuation ends the name
            break
    name = " ".join(words)
    return {"name": name.title() if name.islower() else name} if name else {}


def requests_of(words: str) -> Args:
    found = [m.group("what").strip() for p in _REQUESTS for m in p.finditer(words)]
    unique = list(dict.fromkeys(found))
    return {"requests": "; ".join(unique)} if unique else {}
