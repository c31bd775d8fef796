"""Hanok Table's seating rules, checked over many cases (hypothesis): which tables seat a
party, which times may be booked, and the configuration's own checks."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from functions.hanok import codes, seating
from functions.hanok.config import DEFAULT_CONFIG, Restaurant, load_restaurant
from functions.hanok.errors import HanokError

pytestmark = pytest.mark.unit
RESTAURANT = load_restaurant()
TABLE_IDS = [t.id for t in RESTAURANT.tables]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=RESTAURANT.zone)


def _feasible(party: int, busy: set[str]) -> list[tuple[str, ...]]:
    seats = RESTAURANT.table_seats
    singles = [(t,) for t in TABLE_IDS if t not in busy and seats[t] >= party]
    pairs = [
        (a, b)
        for a, b in RESTAURANT.adjacent_pairs
        if a not in busy and b not in busy and seats[a] + seats[b] >= party
    ]
    return singles + pairs


@given(party=st.integers(1, 12), busy=st.sets(st.sampled_from(TABLE_IDS)))
def test_the_tables_chosen_are_free_seat_the_party_and_are_at_most_two_adjacent(
    party: int, busy: set[str]
) -> None:
    choice = seating.choose_tables(RESTAURANT, party, busy)
    feasible = _feasible(party, busy)
    assert (choice is None) == (not feasible)
    if choice is None:
        return
    assert not set(choice) & busy
    assert sum(RESTAURANT.table_seats[t] for t in choice) >= party
    assert len(choice) in (1, 2)
    if len(choice) == 2:
        assert tuple(sorted(choice)) in RESTAURANT.adjacent_pairs
        assert not any(len(f) == 1 for f in feasible)  # a pair only when no table alone will do
    else:
        smallest = min(RESTAURANT.table_seats[f[0]] for f in feasible if len(f) == 1)
        assert RESTAURANT.table_seats[choice[0]] == smallest


@given(day=st.dates(date(2026, 12, 1), date(2027, 6, 1)))
def test_slots_fall_inside_a_service_every_slot_length(day: date) -> None:
    slots = RESTAURANT.slots_on(day)
    services = RESTAURANT.services_on(day)
    assert bool(slots) == bool(services)
    for at in slots:
        assert any(s.opens <= at.time() <= s.last_seating for s in services)
        assert (at.hour * 60 + at.minute) % RESTAURANT.slot_minutes == 0
    assert slots == sorted(slots) and len(set(slots)) == len(slots)


@given(
    day=st.dates(date(2026, 11, 25), date(2027, 2, 15)),
    minutes=st.integers(0, 24 * 60 - 1),
)
def test_a_time_is_bookable_exactly_when_it_is_a_future_slot_within_the_horizon(
    day: date, minutes: int
) -> None:
    at = time(minutes // 60, minutes % 60)
    moment = datetime.combine(day, at, RESTAURANT.zone)
    expected = (
        moment in RESTAURANT.slots_on(day)
        and moment >= NOW + timedelta(minutes=RESTAURANT.min_notice_minutes)
        and day <= NOW.date() + timedelta(days=RESTAURANT.horizon_days)
    )
    try:
        assert seating.seating_time(RESTAURANT, day, at, NOW) == moment
        accepted = True
    except HanokError as exc:
        assert exc.status == 400 and exc.message
        accepted = False
    assert accepted == expected


@given(party=st.integers(-5, 50))
def test_party_limits(party: int) -> None:
    if RESTAURANT.min_party <= party <= RESTAURANT.max_party:
        seating.check_party(RESTAURANT, party)
        assert RESTAURANT.dining_time(party) >= timedelta(minutes=60)
    else:
        with pytest.raises(HanokError):
            seating.check_party(RESTAURANT, party)


def test_codes_are_unguessable_in_shape_and_read_back_however_spoken() -> None:
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(codes.normalise(c) == c for c in made)
    assert not set("01OIL") & set("".join(made))
    code = next(iter(made))
    spaced = " ".join(code.lower())
    assert codes.normalise(spaced) == code
    assert codes.normalise(code[:4] + "-" + code[4:]) == code
    assert codes.normalise("HELLO") is None and codes.normalise("ABCDEFG0") is None


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c["tables"][0].update(adjacent=["T99"]), "not another table"),
        (lambda c: c.update(max_party=30), "max_party"),
        (lambda c: c["hours"]["friday"][0].update(last_seating="15:00"), "last_seating"),
        (lambda c: c.update(timezone="Mars/Olympus"), "Mars"),
    ],
)
def test_a_configuration_that_makes_no_sense_stops_the_start(change: object, problem: str) -> None:
    config = json.loads(DEFAULT_CONFIG.read_text())
    change(config)  # type: ignore[operator]
    with pytest.raises((ValidationError, ValueError), match=problem):
        Restaurant.model_validate(config)
