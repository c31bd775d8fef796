"""Money, rates and terms as a caller says them about a mortgage.

spoken.normalize turns the words into digits with text2num ("three hundred thousand" -> 300000,
"four point five" -> 4.5); ``canonical`` then reads what text2num leaves: "1.2 1000000" (one
point two million), "450k", "$300,000", "6 and a half percent", "4 50 a month" (four fifty),
"7 20" (a credit score of seven twenty), and ``Figures`` picks out the rate, the term and the
dollar amounts with what each is said about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from functions.agent_turn.agent.spoken import normalize

_NUM = r"\d+(?:\.\d+)?"
_FRACTIONS = {"a half": ".5", "half": ".5", "a quarter": ".25", "1 quarter": ".25"}
_FRACTIONS |= {"3 quarters": ".75", "three quarters": ".75", "3 quarter": ".75"}
_FRACTION = re.compile(
    r"\b(?P<n>\d+) and (?P<f>a half|half|a quarter|1 quarter|3 quarters?|three quarters)\b"
)
# "a quarter of a million", "three quarters of a million"
_PART_MILLION = re.compile(r"\b(?P<q>a|1|3) quarters? (?:of )?(?:a|1) (?:1000000|million)\b")
_MILLION = re.compile(rf"\b(?P<n>{_NUM})\s*(?:1000000|million|mil)\b")
_HALF_MILLION = re.compile(r"\b(?:a half|half a) (?:1000000|million)\b")
_A_MILLION = re.compile(r"\b(?:a|one) (?:1000000|million)\b")
_THOUSAND = re.compile(rf"\b(?P<n>{_NUM})\s*(?:k|grand|1000|thousand)\b")
_PAIR = re.compile(r"(?<![\d.])\b(?P<a>[1-9]) (?P<b>[1-9]\d)\b(?![\d.]| percent| years?)")
_HUNDREDS_THOUSAND = re.compile(r"(?<![\d.])\b(?P<a>[1-9]) (?P<b>[1-9]\d)000\b")
_RATE = re.compile(rf"\b(?P<n>{_NUM})\s*(?:%|percent|per cent|pc)")
_RATE_AT = re.compile(
    r"\b(?:at|rate (?:is|of|was)|rate's|interest (?:is|of)|quoted(?: me)?) "
    r"(?:a rate of |about |around )?"
    rf"(?P<n>{_NUM})\b(?! years?| months?|\d)"
)
_TERM = re.compile(r"\b(?P<n>\d{1,2})[- ]?(?:years?|yrs?|yr)\b")
DOWN = re.compile(r"\s*(?:dollars?\s+)?(?:(?:as|for) (?:a |the |my )?)?down\b")
_AMOUNT = re.compile(r"(?<![\d.])(?P<n>\d{3,}(?:\.\d+)?)\b")


def canonical(utterance: str) -> str:
    """The utterance normalized, with its amounts as plain digits and its rates as decimals."""
    text = normalize(utterance).replace("\u2013", "-")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = _FRACTION.sub(lambda m: m.group("n") + _FRACTIONS[m.group("f")], text)
    text = _HALF_MILLION.sub("500000", text)
    text = _PART_MILLION.sub(lambda m: "750000" if m.group("q") == "3" else "250000", text)
    text = _A_MILLION.sub("1000000", text)
    text = _MILLION.sub(lambda m: _times(m.group("n"), 1_000_000), text)
    text = _THOUSAND.sub(lambda m: _times(m.group("n"), 1000), text)
    text = _HUNDREDS_THOUSAND.sub(
        lambda m: str(int(m.group("a")) * 100_000 + int(m.group("b")) * 1000), text
    )
    text = _PAIR.sub(lambda m: m.group("a") + m.group("b"), text)
    return text.replace("$", " ")


def _times(number: str, factor: int) -> str:
    value = float(number) * factor
    return str(int(value)) if value == int(value) else str(value)


def as_number(text: str) -> int | float:
    value = float(text)
    return int(value) if value == int(value) else value


@dataclass(frozen=True)
class Amount:
    value: int | float
    before: str  # the words before it, for "down", "borrow", "house"
    after: str


@dataclass(frozen=True)
class Figures:
    rate: int | float | None
    term: int | None
    amounts: tuple[Amount, ...]

    @classmethod
    def of(cls, words: str) -> Figures:
        rates = [*_RATE.finditer(words), *_RATE_AT.finditer(words)]
        said = (as_number(m.group("n")) for m in rates)
        rate = next((r for r in said if 0 <= r <= 25), None)
        term_match = _TERM.search(words)
        term = int(term_match.group("n")) if term_match else None
        amounts = tuple(
            Amount(
                as_number(m.group("n")), _since_last_number(words[: m.start()]), words[m.end() :]
            )
            for m in _AMOUNT.finditer(words)
            if not _is_rate_or_term(words, m)
        )
        return cls(rate, term if term and 1 <= term <= 40 else None, amounts)

    def amount_near(self, pattern: re.Pattern[str]) -> int | float | None:
        """The first amount with ``pattern`` just before or just after it."""
        for amount in self.amounts:
            if pattern.search(amount.before[-30:]) or pattern.match(amount.after[:30]):
                return amount.value
        return None

    def first_amount(self, at_least: int = 1000) -> int | float | None:
        return next((a.value for a in self.amounts if a.value >= at_least), None)


_PRICE = re.compile(r"\s*(?:dollars?\s+)?(?:house|home|condo|place|property|townhouse)")
_PRICE_BEFORE = re.compile(
    r"\b(?:worth|valued at|value(?: is| of)?|price(?: is| of)?|costs?|priced at)\s*"
    r"(?:about |around )?$"
)
_DOWN_BEFORE = re.compile(r"\bdown(?: payment)?(?: of| is)?\s*$")


def money_roles(figures: Figures) -> dict[str, int | float]:
    """Which of the amounts said is the down payment, the home's price and the loan."""
    roles: dict[str, int | float] = {}
    for amount in figures.amounts:
        if amount.value < 1000:
            continue
        if DOWN.match(amount.after) or _DOWN_BEFORE.search(amount.before):
            roles.setdefault("down_payment", amount.value)
        elif _PRICE.match(amount.after) or _PRICE_BEFORE.search(amount.before):
            roles.setdefault("property_value", amount.value)
        else:
            roles.setdefault("loan_amount", amount.value)
    return roles


def _since_last_number(before: str) -> str:
    """The words since the number before, so that one amount's words are not another's."""
    digits = list(re.finditer(r"\d", before))
    return before[digits[-1].end() :] if digits else before


def _is_rate_or_term(words: str, match: re.Match[str]) -> bool:
    after = words[match.end() : match.end() + 9]
    return bool(re.match(r"\s*(?:%|percent|years?|yrs?)", after))
