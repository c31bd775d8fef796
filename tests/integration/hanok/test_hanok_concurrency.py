"""No double booking, under real concurrency, enforced by the database: many guests racing for
the last table of a time get exactly one booking between them; the constraint refuses an
overlapping hold even from code that skips every check; availability always says what a
booking would find (a property test over random bookings and cancellations)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pg8000.exceptions
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.hanok import store, views
from functions.hanok.bookings import Bookings
from functions.hanok.config import Restaurant, load_restaurant
from functions.hanok.errors import HanokError
from functions.hanok.models import BookingOutcome, BookingRequest
from shared.db import Database
from shared.settings import DatabaseSettings
from tests.hanok_harness import FRIDAY, NOW, at

pytestmark = pytest.mark.integration
RACERS = 60


def _request(i: int, party: int = 6, hhmm: str = "19:00", **extra: object) -> BookingRequest:
    return BookingRequest.model_validate(
        {
            "guest_name": f"Guest {i}",
            "phone": f"+1415555{i:04d}",
            "party_size": party,
            "date": FRIDAY,
            "time": hhmm,
            **extra,
        }
    )


@pytest.fixture
def restaurant() -> Restaurant:
    return load_restaurant()


@pytest.fixture
def wide_db(database_settings: DatabaseSettings) -> Database:
    database = Database(database_settings, pool_size=RACERS + 2)
    yield database  # type: ignore[misc]
    database.close()


def test_sixty_guests_racing_for_the_last_table_get_one_booking(
    wide_db: Database, restaurant: Restaurant
) -> None:
    bookings = Bookings(restaurant)
    # B1, and the pairs T5+T6 and T7+T8 taken: B2 is the last table that seats six at 19:00.
    for i, party in ((9997, 6), (9998, 8), (9999, 8)):
        with wide_db.transaction() as tx:
            assert bookings.create(tx, _request(i, party), NOW).outcome == "booked"
    start = threading.Barrier(RACERS)

    def race(i: int) -> BookingOutcome:
        request = _request(i, join_waitlist=i % 2 == 0)
        start.wait()
        with wide_db.transaction() as tx:
            return bookings.create(tx, request, NOW)

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(race, range(RACERS)))
    counts = {
        kind: sum(o.outcome == kind for o in outcomes) for kind in ("booked", "full", "waitlisted")
    }
    assert counts["booked"] == 1, counts
    assert counts["full"] + counts["waitlisted"] == RACERS - 1
    assert counts["waitlisted"] >= RACERS // 2 - 1
    assert all(o.alternatives for o in outcomes if o.outcome == "full")
    holds = wide_db.fetch_all("SELECT table_id FROM hanok.table_holds ORDER BY table_id")
    assert [h["table_id"] for h in holds] == ["B1", "B2", "T5", "T6", "T7", "T8"]
    six = views.availability(wide_db, restaurant, FRIDAY, 6, NOW)
    assert not {s.time: s.available for s in six.slots}["19:00"]


def test_the_database_refuses_an_overlapping_hold_whatever_the_code(
    db: Database, restaurant: Restaurant
) -> None:
    with db.transaction() as tx:
        made = Bookings(restaurant).create(tx, _request(1, party=2), NOW).reservation
    assert made is not None and made.tables == ["T1"]
    with db.transaction() as tx:  # a second reservation row, written straight to the table
        other = Bookings(restaurant).create(tx, _request(2, party=4, hhmm="12:00"), NOW)
    assert other.reservation is not None
    with pytest.raises(pg8000.exceptions.DatabaseError) as refused:
        store.hold(db, other.reservation.id, "T1", at(FRIDAY, "20:00"), at(FRIDAY, "21:00"))
    assert store.sqlstate(refused.value) == store.EXCLUSION_VIOLATION
    store.hold(db, other.reservation.id, "T1", at(FRIDAY, "20:30"), at(FRIDAY, "21:00"))


TIMES = ["17:00", "17:30", "18:00", "19:00", "20:00", "21:00"]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("book"), st.integers(1, 10), st.sampled_from(TIMES)),
        st.tuples(st.just("cancel"), st.integers(0, 30), st.just("")),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_availability_always_matches_what_a_booking_finds(
    db: Database, restaurant: Restaurant, steps: list[tuple[str, int, str]]
) -> None:
    db.execute("TRUNCATE hanok.reservations, hanok.waitlist CASCADE")
    bookings = Bookings(restaurant)
    made: list[str] = []
    for i, (kind, number, hhmm) in enumerate(steps):
        if kind == "cancel" and made:
            with db.transaction() as tx:
                bookings.cancel(
                    tx,
                    made[number % len(made)],
                    acknowledge_retention_offer=True,
                    reason="",
                    now=NOW,
                )
            continue
        if kind == "cancel":
            continue
        said = {
            s.time: s.available
            for s in views.availability(db, restaurant, FRIDAY, number, NOW).slots
        }
        with db.transaction() as tx:
            outcome = bookings.create(tx, _request(i, party=number, hhmm=hhmm), NOW)
        assert (outcome.outcome == "booked") == said[hhmm], (number, hhmm, said)
        if outcome.reservation is not None:
            made.append(outcome.reservation.id)
            seats = sum(restaurant.table_seats[t] for t in outcome.reservation.tables)
            assert seats >= number and len(outcome.reservation.tables) <= 2
    live = db.fetch_all(
        "SELECT r.id, r.party_size, count(h.table_id) AS tables FROM hanok.reservations r"
        " LEFT JOIN hanok.table_holds h ON h.reservation_id = r.id"
        " WHERE r.status = 'confirmed' GROUP BY r.id"
    )
    assert all(row["tables"] in (1, 2) for row in live)


def test_a_booking_never_lands_outside_the_rules(db: Database, restaurant: Restaurant) -> None:
    bookings = Bookings(restaurant)
    late = NOW.replace(hour=23)
    for when, code in [(NOW - timedelta(days=1), "in_the_past"), (late, "in_the_past")]:
        request = _request(1, party=2).model_copy(update={"date": when.date(), "time": when.time()})
        with pytest.raises(HanokError) as refused, db.transaction() as tx:
            bookings.create(tx, request, NOW)
        assert refused.value.code in (code, "not_a_slot", "closed")
