"""What the rules model says to the results of Hanok Table's tools, written to be heard: days
and times as a person says them, party sizes in words, confirmation codes letter by letter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import pairwise
from typing import Any

Result = dict[str, Any]
Args = dict[str, Any]
MAX_DISHES = 6  # read at most this many dishes; the rest are counted
_COUNTS: tuple[str, ...] = tuple(
    "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
)
_CHANGED = {"party_size": "the party size", "date": "the day", "time": "the time"}


def say_count(n: int) -> str:
    return _COUNTS[n] if 0 <= n < len(_COUNTS) else str(n)


def say_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.strftime('%A, %B')} {day.day}"


def say_time(hhmm: str) -> str:
    hour, minute = (int(part) for part in hhmm.split(":")[:2])
    if minute == 0 and hour in (0, 12):
        return "noon" if hour == 12 else "midnight"
    clock = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute else "")
    return f"{clock} {'PM' if hour >= 12 else 'AM'}"


def say_code(code: str) -> str:
    """A code letter by letter, spaced, so speech reads it out one character at a time."""
    return " ".join(code.replace(" ", ""))


def say_price(price: Any, currency: str = "USD") -> str:
    amount = float(price)
    text = f"{amount:.0f}" if amount == int(amount) else f"{amount:.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def say_list(items: list[str], conjunction: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} {items[-1]}"


def _table(reservation: Result) -> str:
    """ "a table for four on Friday, December 4 at 7 PM"."""
    when = f"{say_date(reservation['date'])} at {say_time(reservation['time'])}"
    return f"a table for {say_count(int(reservation['party_size']))} on {when}"


def _under(reservation: Result) -> str:
    name = reservation.get("guest_name")
    return f" under {name}" if name else ""


def _confirmation(reservation: Result, still: bool = False) -> str:
    code = say_code(reservation["code"])
    return f"Your confirmation code is {'still ' if still else ''}{code}."


# ---- the menu --------------------------------------------------------------------------------


def _dish(dish: Result, currency: str) -> str:
    return f"{dish['name']}, {say_price(dish['price'], currency)}"


def _dishes(dishes: list[Result], currency: str) -> str:
    read = dishes if len(dishes) <= MAX_DISHES + 1 else dishes[:MAX_DISHES]  # never "1 more"
    spoken = [_dish(d, currency) for d in read]
    if len(read) < len(dishes):
        spoken.append(f"{len(dishes) - len(read)} more")
    if len(spoken) == 1:
        return spoken[0]
    return "; ".join(spoken[:-1]) + f"; and {spoken[-1]}"


def _label(category: str | None, dietary: str | None) -> str:
    """ "desserts", "vegetarian dishes", "gluten-free mains", "dishes with nuts"."""
    what = category or "dishes"
    if not dietary:
        return what
    if dietary.startswith("contains_"):
        return f"{what} with {dietary.removeprefix('contains_')}"
    return f"{dietary.replace('_', '-')} {what}"


def reply_menu(result: Result, args: Args) -> str:
    currency = result.get("currency", "USD")
    categories = result.get("categories") or []
    dishes = [d for c in categories for d in c.get("dishes", [])]
    dietary, category = args.get("dietary"), args.get("category")
    if not (dietary or category):
        names = say_list([c["name"].lower() for c in categories])
        favourites = [c["dishes"][0] for c in categories if c.get("dishes")]
        return f"Our menu has {names}. A few favourites: {_dishes(favourites, currency)}."
    if category and len(categories) == 1:
        category = categories[0]["name"].lower()  # as the menu names it
    label = _label(category, dietary)
    if not dishes:
        return f"Sorry, we have no {label} on the menu."
    return f"Our {label}: {_dishes(dishes, currency)}."


# ---- tables and reservations -----------------------------------------------------------------


def reply_availability(result: Result, args: Args) -> str:
    day, party = say_date(result["date"]), say_count(int(result["party_size"]))
    if not result.get("open"):
        return f"Sorry, we're closed on {day}."
    requested, nearest = result.get("requested"), result.get("nearest") or []
    if requested and requested.get("available"):
        at = say_time(requested["time"])
        return f"Yes, we have a table for {party} on {day} at {at}. Shall I book it?"
    if requested:
        at = say_time(requested["time"])
        if not nearest:
            return f"Sorry, there's no table for {party} on {day} at {at}, or near then."
        times = say_list([say_time(t) for t in nearest], "or")
        which = "that" if len(nearest) == 1 else "one of those"
        return f"Sorry, {at} on {day} is taken for {party}. I could do {times}. Would {which} work?"
    free = [s["time"] for s in result.get("slots", []) if s.get("available")]
    if not free:
        return f"Sorry, {day} is fully booked for {party}."
    return f"On {day} we have tables for {party} {_free_times(result['slots'])}. What time?"


def _minutes(hhmm: str) -> int:
    hour, minute = (int(part) for part in hhmm.split(":")[:2])
    return hour * 60 + minute


def _free_times(slots: list[Result]) -> str:
    """Runs of free slots as ranges ("from 5 PM to 6:30 PM"), short runs time by time. A run
    ends at a taken slot or a gap between sittings (lunch, dinner)."""
    times = [_minutes(s["time"]) for s in slots]
    step = min((b - a for a, b in pairwise(times) if b > a), default=0)
    runs: list[list[str]] = [[]]
    for i, slot in enumerate(slots):
        after_a_gap = i > 0 and times[i] - times[i - 1] > step
        if runs[-1] and (after_a_gap or not slot.get("available")):
            runs.append([])
        if slot.get("available"):
            runs[-1].append(slot["time"])
    spoken: list[str] = []
    for run in (r for r in runs if r):
        if len(run) >= 3:
            spoken.append(f"from {say_time(run[0])} to {say_time(run[-1])}")
        else:
            spoken.extend(f"at {say_time(t)}" for t in run)
    return say_list(spoken)


def reply_booking(result: Result, args: Args) -> str:
    outcome = result.get("outcome")
    if outcome == "waitlisted":
        return _waitlisted(result["waitlist"])
    if outcome == "full":
        return _full(args, result.get("alternatives") or [])
    reservation = result["reservation"]
    if outcome == "merged":
        table = f"{_table(reservation)}{_under(reservation)}"
        return f"I've updated your booking from a moment ago: {table}. " + _confirmation(
            reservation, still=True
        )
    noted = f" I've noted: {reservation['requests']}." if reservation.get("requests") else ""
    return f"You're booked: {_table(reservation)}{_under(reservation)}.{noted} " + _confirmation(
        reservation
    )


def _waitlisted(entry: Result) -> str:
    return (
        f"You're number {entry['position']} on the waitlist for {_table(entry)}. "
        f"Your waitlist code is {say_code(entry['code'])}."
    )


def _full(args: Args, alternatives: list[str]) -> str:
    when = f"{say_date(args['date'])} at {say_time(args['time'])}"
    party = say_count(int(args["party_size"]))
    if not alternatives:
        return (
            f"Sorry, {when} is fully booked for {party}, and nothing is free near then. "
            "Shall I put you on the waitlist?"
        )
    times = say_list([say_time(t) for t in alternatives], "or")
    return (
        f"Sorry, {when} is fully booked for {party}. I could do {times} instead, "
        f"or put you on the waitlist for {say_time(args['time'])}. Which would you like?"
    )


def reply_reservations(result: Result, args: Args) -> str:
    found = result.get("reservations") or []
    if not found:
        return "You have no upcoming reservations at Hanok Table."
    items = [f"{_table(r)}{_under(r)}, code {say_code(r['code'])}" for r in found]
    if len(items) == 1:
        return f"You have one reservation: {items[0]}."
    return f"You have {len(items)} reservations: " + "; ".join(items[:-1]) + f"; and {items[-1]}."


def reply_change(result: Result, args: Args) -> str:
    reservation = result["reservation"]
    changed = [_CHANGED.get(c, f"the {c}") for c in result.get("changed") or []]
    if not changed:
        return f"Your reservation is already {_table(reservation)}."
    return (
        f"Done, I've changed {say_list(changed)}. You now have {_table(reservation)}"
        f"{_under(reservation)}. " + _confirmation(reservation, still=True)
    )


def reply_cancel(result: Result, args: Args) -> str:
    if result.get("outcome") == "retention_offer":
        return f"{result['offer'].strip()} Shall I still cancel?"
    reservation = result["reservation"]
    when = f"{say_date(reservation['date'])} at {say_time(reservation['time'])}"
    party = say_count(int(reservation["party_size"]))
    return f"Done: your reservation for {party} on {when} is cancelled."


REPLIES: dict[str, Callable[[Result, Args], str]] = {
    "get_menu": reply_menu,
    "check_availability": reply_availability,
    "book_table": reply_booking,
    "find_my_reservations": reply_reservations,
    "change_reservation": reply_change,
    "cancel_reservation": reply_cancel,
}
# What the caller hears when a tool broke on our side; the detail is in the log, not here.
UNAVAILABLE: dict[str, str] = {
    "get_menu": "Sorry, I couldn't read Hanok Table's menu just now.",
    "check_availability": "Sorry, I couldn't check Hanok Table's tables just now.",
    "book_table": "Sorry, I couldn't make that booking just now.",
    "find_my_reservations": "Sorry, I couldn't look up your reservations just now.",
    "change_reservation": "Sorry, I couldn't change your reservation just now.",
    "cancel_reservation": "Sorry, I couldn't cancel your reservation just now.",
}
# When Hanok Table's server is out of reach, so its tools are not bound this turn.
NOT_REACHABLE = "Sorry, I can't reach Hanok Table just now."
