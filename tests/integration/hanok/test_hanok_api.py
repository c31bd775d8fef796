"""Hanok Table's reservation API over the real PostgreSQL: every route, every rule, every bad
request's 4xx, the waitlist, and the guest status page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shared.db import Database
from tests.hanok_harness import AUTH, FRIDAY, MONDAY, Clock, booking, hanok_app

pytestmark = pytest.mark.integration
API = "/api/reservations"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with TestClient(hanok_app(db, clock), raise_server_exceptions=False) as test_client:
        yield test_client


def _book(client: TestClient, body: dict[str, Any], **headers: str) -> Any:
    return client.post(API, json=body, headers={**AUTH, **headers})


def _free(client: TestClient, party: int, at: str, day: str = FRIDAY.isoformat()) -> bool:
    slots = client.get(
        f"{API}/availability", params={"date": day, "party_size": party}, headers=AUTH
    )
    return {s["time"]: s["available"] for s in slots.json()["slots"]}[at]


def test_a_booking_holds_a_table_and_is_found_every_way(client: TestClient) -> None:
    made = _book(client, booking(requests="a birthday"))
    assert made.status_code == 201, made.text
    reservation = made.json()["reservation"]
    assert reservation["phone"] == "+14155550142" and reservation["status"] == "confirmed"
    assert reservation["tables"] == ["T5"]  # the smallest table that seats four
    assert reservation["starts_at"] == "2026-12-05T03:00:00Z"  # 19:00 at the restaurant
    code, rid = reservation["code"], reservation["id"]
    assert client.get(f"{API}/code/{code.lower()}", headers=AUTH).json()["id"] == rid
    assert client.get(f"{API}/{rid}", headers=AUTH).json()["code"] == code
    found = client.get(API, params={"phone": "415 555 0142", "name": "kim"}, headers=AUTH).json()
    assert [r["id"] for r in found] == [rid]
    nobody = client.get(API, params={"phone": "415 555 0142", "name": "Lee"}, headers=AUTH)
    assert nobody.json() == []


def test_an_idempotency_key_makes_one_booking_and_a_repeated_voice_booking_merges(
    client: TestClient, db: Database
) -> None:
    first = _book(client, booking(), **{"Idempotency-Key": "key-0001-abc"})
    again = _book(client, booking(), **{"Idempotency-Key": "key-0001-abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["reservation"]["id"] == first.json()["reservation"]["id"]

    voice = _book(client, booking(phone="+14155550177", party=2, source="voice"))
    repeat = _book(client, booking(phone="+14155550177", party=3, at="19:30", source="voice"))
    assert repeat.status_code == 200 and repeat.json()["outcome"] == "merged"
    merged = repeat.json()["reservation"]
    assert merged["id"] == voice.json()["reservation"]["id"]
    assert (merged["party_size"], merged["starts_at"][11:16]) == (3, "03:30")
    count = db.fetch_one(
        "SELECT count(*) AS n FROM hanok.reservations WHERE phone = '+14155550177'"
    )
    assert count is not None and count["n"] == 1


def test_a_full_time_offers_the_nearest_free_times_then_the_waitlist_which_is_promoted(
    client: TestClient,
) -> None:
    six_tops = [
        _book(client, booking(party=6, phone=f"+1415555020{i}")).json()["reservation"]["id"]
        for i in range(2)
    ]
    # A party of ten needs both six-tops together: neither is free at 19:00.
    park = booking(party=10, phone="+14155550210", name="Park")
    full = _book(client, park)
    assert full.status_code == 409 and full.json()["error"] == "full"
    assert full.json()["alternatives"] and "19:00" not in full.json()["alternatives"]
    assert full.json()["waitlist_available"] is True
    waiting = _book(client, {**park, "join_waitlist": True})
    assert waiting.status_code == 202 and waiting.json()["waitlist"]["position"] == 1
    page = client.get("/reservation/status", params={"code": waiting.json()["waitlist"]["code"]})
    assert "On the waitlist: number 1" in page.text
    assert (
        _book(client, {**park, "join_waitlist": True}).json()["waitlist"]["id"]
        == (waiting.json()["waitlist"]["id"])
    )  # asking again keeps the same place
    cancel = {"reason": "plans changed"}
    one = client.post(f"{API}/{six_tops[0]}/cancel", json=cancel, headers=AUTH).json()
    assert one["outcome"] == "cancelled" and one["promoted"] == []  # one six-top is not enough
    two = client.post(f"{API}/{six_tops[1]}/cancel", json=cancel, headers=AUTH).json()
    assert two["promoted"] == [waiting.json()["waitlist"]["code"]]
    [promoted] = client.get(
        API, params={"phone": "+14155550210", "name": "park"}, headers=AUTH
    ).json()
    assert promoted["status"] == "pending" and sorted(promoted["tables"]) == ["B1", "B2"]
    assert promoted["source"] == "waitlist"


def test_amending_moves_the_tables_or_changes_nothing(client: TestClient) -> None:
    rid = _book(client, booking(party=2)).json()["reservation"]["id"]
    bigger = client.patch(f"{API}/{rid}", json={"party_size": 5}, headers=AUTH).json()
    assert bigger["party_size"] == 5 and bigger["tables"] == ["B1"]
    # Every table or pair that seats five is taken at 21:00 (B1 from 21:00, as ours ends).
    for i, party in enumerate((6, 6, 8, 8)):
        made = _book(client, booking(party=party, at="21:00", phone=f"+1415555030{i}"))
        assert made.status_code == 201, made.text
    refused = client.patch(f"{API}/{rid}", json={"time": "21:00"}, headers=AUTH)
    assert refused.status_code == 409 and refused.json()["error"] == "no_table"
    assert refused.json()["alternatives"]
    kept = client.get(f"{API}/{rid}", headers=AUTH).json()
    assert kept["starts_at"] == "2026-12-05T03:00:00Z" and kept["tables"] == ["B1"]
    earlier = client.patch(
        f"{API}/{rid}", json={"time": "17:30", "requests": "window"}, headers=AUTH
    )
    assert earlier.json()["starts_at"] == "2026-12-05T01:30:00Z"
    assert earlier.json()["requests"] == "window" and earlier.json()["tables"] == ["B1"]
    assert _free(client, 5, "19:00")


def test_status_moves_only_along_allowed_transitions(client: TestClient, db: Database) -> None:
    rid = _book(client, booking()).json()["reservation"]["id"]

    def move(status: str) -> Any:
        return client.post(f"{API}/{rid}/status", json={"status": status}, headers=AUTH)

    assert move("completed").status_code == 409
    assert move("completed").json()["allowed"] == ["seated", "cancelled", "no_show"]
    assert move("seated").json()["status"] == "seated"
    assert move("seated").status_code == 200  # already so: nothing changes
    assert move("cancelled").json()["error"] == "invalid_transition"
    done = move("completed").json()
    assert done["status"] == "completed" and done["tables"] == []  # the table is free again
    assert move("confirmed").status_code == 409
    assert move("sleeping").status_code == 400


def test_a_large_party_with_a_pre_order_hears_the_retention_offer_first(client: TestClient) -> None:
    pre_order = [{"dish_id": "bossam", "quantity": 2}, {"dish_id": "galbi", "quantity": 4}]
    rid = _book(client, booking(party=8, pre_order=pre_order)).json()["reservation"]["id"]
    offered = client.post(f"{API}/{rid}/cancel", json={}, headers=AUTH)
    assert offered.status_code == 409 and offered.json()["error"] == "retention_offer_required"
    assert "makgeolli" in offered.json()["offer"]
    assert client.get(f"{API}/{rid}", headers=AUTH).json()["status"] == "confirmed"
    body = {"acknowledge_retention_offer": True}
    done = client.post(f"{API}/{rid}/cancel", json=body, headers=AUTH).json()
    assert done["outcome"] == "cancelled" and done["reservation"]["tables"] == []
    small = _book(client, booking(party=2, phone="+14155550400")).json()["reservation"]["id"]
    assert client.post(f"{API}/{small}/cancel", json={}, headers=AUTH).json()["outcome"] == (
        "cancelled"
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (booking(day=MONDAY), "closed"),
        (booking(at="19:10"), "not_a_slot"),
        (booking(at="16:00"), "not_a_slot"),
        (booking(day=FRIDAY.replace(month=11, day=27)), "in_the_past"),
        (booking(day=FRIDAY.replace(year=2027, month=3, day=5)), "beyond_horizon"),
        (booking(party=11), "party_too_large"),
        (booking(phone="5550142"), "invalid_phone"),
        (booking(phone="not a phone"), "invalid_phone"),
        (booking(pre_order=[{"dish_id": "pizza", "quantity": 1}]), "unknown_dish"),
        (booking(party=0), "invalid_request"),
        ({**booking(), "table": "T1"}, "invalid_request"),
        ({"guest_name": "Kim"}, "invalid_request"),
    ],
)
def test_every_broken_rule_is_a_4xx_with_its_code(
    client: TestClient, body: dict[str, Any], code: str
) -> None:
    answer = _book(client, body)
    assert answer.status_code == 400 and answer.json()["error"] == code, answer.text


def test_callers_must_authenticate_but_guests_see_their_status_page(client: TestClient) -> None:
    assert client.get(f"{API}/menu").status_code == 401
    assert (
        client.post(API, json=booking(), headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert client.get(f"{API}/admin/day", params={"date": "2026-12-04"}).status_code == 401
    made = _book(client, booking(name="Kim <script>alert(1)</script> Min-jun")).json()
    page = client.get("/reservation/status", params={"code": made["reservation"]["code"]})
    assert page.status_code == 200 and "Confirmed" in page.text
    assert "<script>" not in page.text and "+1415" not in page.text
    assert client.get("/reservation/status", params={"code": "ZZZZZZZZ"}).status_code == 404
    assert client.get("/reservation/status").status_code == 404


def test_menu_availability_day_sheet_and_openapi(client: TestClient) -> None:
    menu = client.get(f"{API}/menu", headers=AUTH).json()
    assert [c["id"] for c in menu["categories"]] == [
        "banchan_starters",
        "mains",
        "desserts",
        "drinks",
    ]
    vegan = client.get(f"{API}/menu", params={"dietary": "vegan"}, headers=AUTH).json()
    assert {d["id"] for c in vegan["categories"] for d in c["dishes"]} == {"makgeolli", "sikhye"}
    assert client.get(f"{API}/menu", params={"dietary": "raw"}, headers=AUTH).status_code == 400
    day = client.get(
        f"{API}/availability", params={"date": "2026-12-04", "party_size": 2}, headers=AUTH
    ).json()
    assert (
        day["open"] and day["slots"][0]["time"] == "11:30" and day["slots"][-1]["time"] == "21:30"
    )
    closed = client.get(
        f"{API}/availability", params={"date": MONDAY.isoformat(), "party_size": 2}, headers=AUTH
    ).json()
    assert closed == {"date": MONDAY.isoformat(), "party_size": 2, "open": False, "slots": []}
    made = _book(client, booking()).json()["reservation"]
    sheet = client.get(f"{API}/admin/day", params={"date": "2026-12-04"}, headers=AUTH).json()
    assert [r["code"] for r in sheet["reservations"]] == [made["code"]]
    assert {t["id"]: t["reservations"] for t in sheet["tables"]}["T5"] == [made["code"]]
    spec = client.get("/openapi.json").json()
    assert {"/api/reservations", "/api/reservations/{reservation_id}/cancel"} <= set(spec["paths"])


def test_every_other_route_answers_bad_input_with_its_4xx(client: TestClient) -> None:
    rid = _book(client, booking()).json()["reservation"]["id"]
    cases = [
        (
            client.patch(f"{API}/{rid}", json={"tables": ["T1"]}, headers=AUTH),
            400,
            "invalid_request",
        ),
        (client.patch(f"{API}/{rid}", json={"time": "19:10"}, headers=AUTH), 400, "not_a_slot"),
        (
            client.patch(f"{API}/{rid}", json={"party_size": 40}, headers=AUTH),
            400,
            "party_too_large",
        ),
        (client.get(f"{API}/not-a-reservation", headers=AUTH), 404, "reservation_not_found"),
        (client.get(f"{API}/code/nonsense", headers=AUTH), 404, "reservation_not_found"),
        (
            client.post(f"{API}/{rid}/cancel", json={"reason": "x" * 301}, headers=AUTH),
            400,
            "invalid_request",
        ),
        (client.post(f"{API}/{rid}/status", json={}, headers=AUTH), 400, "invalid_request"),
        (
            client.get(f"{API}/availability", params={"date": "2026-12-04"}, headers=AUTH),
            400,
            "invalid_request",
        ),
        (
            client.get(
                f"{API}/availability", params={"date": "soon", "party_size": 2}, headers=AUTH
            ),
            400,
            "invalid_request",
        ),
        (
            client.get(
                f"{API}/availability", params={"date": "2026-12-04", "party_size": 12}, headers=AUTH
            ),
            400,
            "party_too_large",
        ),
        (
            client.get(API, params={"phone": "nope-nope", "name": "Kim"}, headers=AUTH),
            400,
            "invalid_phone",
        ),
        (client.get(f"{API}/admin/day", headers=AUTH), 400, "invalid_request"),
        (
            client.post(
                API, content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
            ),
            400,
            "invalid_request",
        ),
    ]
    for answer, status, code in cases:
        assert (answer.status_code, answer.json()["error"]) == (status, code), answer.text
