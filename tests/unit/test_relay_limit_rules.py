"""The relay's small limits, its reading of X-Forwarded-For, origins and new-PIN rules."""

from __future__ import annotations

import pytest

from shared import identity
from shared.settings import RelaySettings
from websocket_relay.client_address import budget_key, client_source, forwarded_address
from websocket_relay.limits import (
    ConnectionsBySource,
    LogThrottle,
    RecentIds,
    TokenBucket,
    WindowCounter,
)
from websocket_relay.origins import LOOPBACK_ORIGIN, allowed_origins

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("values", "hops", "expected"),
    [
        (["203.0.113.9"], 1, "203.0.113.9"),
        (["6.6.6.6, 203.0.113.9"], 1, "203.0.113.9"),  # the client wrote the first entry
        (["6.6.6.6", "203.0.113.9"], 1, "203.0.113.9"),  # two header lines count as one list
        (["6.6.6.6, 203.0.113.9, 35.191.0.1"], 2, "203.0.113.9"),  # a load balancer's two
        (["203.0.113.9"], 2, None),  # fewer entries than trusted hops
        (["6.6.6.6, not-an-address"], 1, None),
        (["6.6.6.6, 203.0.113.9:4711"], 1, None),
        ([""], 1, None),
        (["203.0.113.9"], 0, None),
        (["1.1.1.1, 2001:db8:1:2:3:4:5:6"], 1, "2001:db8:1:2::/64"),
        (["[2001:db8::1]"], 1, "2001:db8::/64"),
        (["::ffff:203.0.113.9"], 1, "203.0.113.9"),
    ],
)
def test_forwarded_address_takes_the_entry_the_trusted_proxy_appended(
    values: list[str], hops: int, expected: str | None
) -> None:
    assert forwarded_address(values, hops) == expected


def test_client_source_falls_back_to_the_peer() -> None:
    assert client_source("127.0.0.1", ["garbage"], 1) == "127.0.0.1"
    assert client_source("127.0.0.1", ["6.6.6.6"], 0) == "127.0.0.1"
    assert client_source(None, [], 0) == "unknown"
    assert budget_key("2001:db8::1") == budget_key("2001:db8::ffff") == "2001:db8::/64"


def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5
    assert [bucket.take(), bucket.take()] == [True, False]


def test_window_counter_forgets_old_events() -> None:
    clock = Clock()
    counter = WindowCounter(limit=2, window=60, clock=clock)
    assert [counter.admit(), counter.admit(), counter.admit()] == [True, True, False]
    clock.now += 60.1
    assert counter.admit()


def test_connections_by_source_frees_places() -> None:
    conns = ConnectionsBySource(limit=2)
    assert conns.acquire("a") and conns.acquire("a") and not conns.acquire("a")
    assert conns.acquire("b")
    conns.release("a")
    assert conns.acquire("a")
    conns.release("a")
    conns.release("a")
    conns.release("b")
    assert conns.open == {}


def test_log_throttle_lets_one_line_through_per_interval_and_counts_the_rest() -> None:
    clock = Clock()
    throttle = LogThrottle(interval=60, max_keys=2, clock=clock)
    assert throttle.admit("x") == 0
    assert [throttle.admit("x") for _ in range(5)] == [None] * 5
    clock.now += 61
    assert throttle.admit("x") == 5
    throttle.admit("y")
    throttle.admit("z")
    assert len(throttle.state) == 2  # bounded


def test_recent_ids_are_bounded() -> None:
    ids = RecentIds(limit=3)
    for n in range(10):
        ids.add(str(n))
    assert len(ids) == 3 and "9" in ids and "0" not in ids


def test_origins_allow_configured_sites_loopback_only_locally_and_non_browsers() -> None:
    prod = RelaySettings(
        env="production",
        pin_pepper="a-real-pepper-value",
        db_password="a-real-password",
        allowed_origins="https://convonet.web.app/, https://convonet.firebaseapp.com",
    )
    assert allowed_origins(prod) == [
        "https://convonet.web.app",
        "https://convonet.firebaseapp.com",
        None,
    ]
    local = RelaySettings(env="local")
    assert LOOPBACK_ORIGIN in allowed_origins(local) and None in allowed_origins(local)
    assert LOOPBACK_ORIGIN.match("http://localhost:8080")
    assert not LOOPBACK_ORIGIN.match("http://localhost.evil.example")


@pytest.mark.parametrize("pin", ["12345", "111111", "123456", "987654", "0000000", "12a456"])
def test_new_pins_must_be_six_digits_and_not_trivial(pin: str) -> None:
    with pytest.raises(identity.WeakPin):
        identity.check_new_pin(pin)


@pytest.mark.parametrize("pin", ["480913", "246810", "135790", "1122334455"])
def test_reasonable_new_pins_pass(pin: str) -> None:
    identity.check_new_pin(pin)


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("Ada@Example.com ", "email", "ada@example.com"),
        ("+1 (415) 555-0132", "phone", "+14155550132"),
        ("415-555-0132", "phone", "+14155550132"),
        ("+44 20 7946 0958", "phone", "+442079460958"),
    ],
)
def test_accounts_are_normalised(raw: str, kind: str, value: str) -> None:
    assert identity.parse_account(raw) == identity.Account(kind, value)


@pytest.mark.parametrize("raw", ["not an account", "a@b", "12", "+1 555", "@example.com"])
def test_bad_accounts_are_refused(raw: str) -> None:
    with pytest.raises(identity.InvalidAccount):
        identity.parse_account(raw)
