"""Sign-in against the real relay server, PostgreSQL and emulators: budgets that hold under
parallel attempts, the address behind a proxy, account-scoped sign-in, and sprays."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from shared import identity, pins
from shared.db import Database
from shared.settings import RelaySettings
from tests.relay_harness import running_relay

pytestmark = pytest.mark.integration
RIGHT_PIN = "480913"
EMAIL = "ada@example.com"


class PinChecks:
    """Counts real scrypt verifications (a right or wrong PIN, and the equal-time burn for an
    unknown one, which verifies against a dummy hash): what a guess costs, and what the
    budgets must bound."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.count = 0
        self._lock = threading.Lock()
        verify = pins.verify_pin

        def counted_verify(pin: str, encoded: str) -> bool:
            self._bump()
            return verify(pin, encoded)

        monkeypatch.setattr(pins, "verify_pin", counted_verify)

    def _bump(self) -> None:
        with self._lock:
            self.count += 1


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> PinChecks:
    return PinChecks(monkeypatch)


@pytest.fixture
def user(db: Database, relay_settings: RelaySettings) -> identity.User:
    return identity.create_user(
        db, "Ada", RIGHT_PIN, relay_settings.pepper_bytes(), email=EMAIL, pin_only=True
    )


def settings_for(base: RelaySettings, **changes: Any) -> RelaySettings:
    return base.model_copy(update={"forwarded_for_trusted_hops": 1, **changes})


async def sign_in(
    url: str, pin: str, address: str, account: str | None = None, forwarded: str | None = None
) -> dict[str, Any]:
    headers = {"X-Forwarded-For": forwarded or address}
    async with connect(url, additional_headers=headers, open_timeout=20) as ws:
        frame: dict[str, Any] = {"type": "authenticate", "pin": pin}
        if account:
            frame["account"] = account
        await ws.send(json.dumps(frame))
        return dict(json.loads(await asyncio.wait_for(ws.recv(), 60)))


async def spray(url: str, addresses: list[str], pin: str = "111333") -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(sign_in(url, pin, a) for a in addresses)))


@pytest.fixture
def relay_url(relay_settings: RelaySettings, topics_ready: str) -> Iterator[str]:
    with running_relay(settings_for(relay_settings, max_connections_per_source=500)) as url:
        yield url


def test_200_parallel_wrong_pins_from_one_address_check_at_most_its_budget(
    relay_url: str,
    relay_settings: RelaySettings,
    user: identity.User,
    checks: PinChecks,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="websocket_relay.auth")
    answers = asyncio.run(spray(relay_url, ["203.0.113.7"] * 200))
    # One line per address and kind per minute, however many attempts: not 200 lines.
    lines = [r for r in caplog.records if r.name == "websocket_relay.auth"]
    assert 1 <= len(lines) <= 2, [r.getMessage() for r in lines]
    assert {a["type"] for a in answers} == {"error"}
    assert checks.count <= relay_settings.auth_max_failures_per_source
    assert (
        sum(a["code"] == "auth_failed" for a in answers)
        < relay_settings.auth_max_failures_per_source
    )
    locked = [a for a in answers if a["code"] == "auth_locked"]
    assert len(locked) >= 200 - relay_settings.auth_max_failures_per_source
    # The sprayed address is locked, even for the right PIN; another address signs in.
    assert asyncio.run(sign_in(relay_url, RIGHT_PIN, "203.0.113.7"))["code"] == "auth_locked"
    assert asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.20"))["type"] == "auth_ok"


def test_a_spray_from_50_addresses_stops_pin_only_sign_in_at_the_global_budget(
    relay_settings: RelaySettings, topics_ready: str, user: identity.User, checks: PinChecks
) -> None:
    settings = settings_for(
        relay_settings,
        auth_global_failure_budget=20,
        auth_spray_delay_seconds=0.2,
        max_connections_per_source=500,
    )
    addresses = [f"192.0.2.{n}" for n in range(1, 51)] * 4
    with running_relay(settings) as url:
        answers = asyncio.run(spray(url, addresses))
        assert checks.count <= 20
        assert sum(a["code"] == "auth_failed" for a in answers) <= 20
        paused = [a for a in answers if "paused" in a.get("message", "")]
        assert len(paused) >= 200 - 20
        # By PIN alone, even the right PIN waits out the spray; by account it signs in.
        pin_only = asyncio.run(sign_in(url, RIGHT_PIN, "198.51.100.30"))
        assert (
            pin_only["code"] == "auth_locked"
            and "email address or phone number" in (pin_only["message"])
        )
        scoped = asyncio.run(sign_in(url, RIGHT_PIN, "198.51.100.31", account=EMAIL))
        assert scoped["type"] == "auth_ok"


def test_the_address_is_the_one_the_proxy_appended(
    relay_url: str, relay_settings: RelaySettings, user: identity.User
) -> None:
    # An attacker writes a fresh first entry every time; the proxy appends the real address.
    budget = relay_settings.auth_max_failures_per_source
    answers = [
        asyncio.run(sign_in(relay_url, "111333", "", forwarded=f"10.0.{n}.1, 203.0.113.9"))
        for n in range(budget + 2)
    ]
    assert answers[-1]["code"] == "auth_locked" and "address" in answers[-1]["message"]
    # ... and cannot lock out a victim by naming the victim's address first.
    victim = asyncio.run(sign_in(relay_url, RIGHT_PIN, "", forwarded="198.51.100.40, 203.0.113.10"))
    assert victim["type"] == "auth_ok"


def test_account_scoped_sign_in_has_its_own_lockout_and_reveals_nothing(
    relay_url: str, relay_settings: RelaySettings, db: Database, user: identity.User
) -> None:
    pepper = relay_settings.pepper_bytes()
    # Account users need not have unique PINs, and PIN-only sign-in never finds them.
    identity.create_user(db, "Bob", RIGHT_PIN, pepper, email="bob@example.com")
    bob = asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.50", account="BOB@example.com"))
    assert bob["type"] == "auth_ok" and bob["user_name"] == "Bob"
    ada = asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.51"))
    assert ada["type"] == "auth_ok" and ada["user_name"] == "Ada"

    wrong = asyncio.run(sign_in(relay_url, "111333", "198.51.100.52", account=EMAIL))
    unknown = asyncio.run(sign_in(relay_url, "111333", "198.51.100.53", account="zed@example.com"))
    assert wrong["code"] == unknown["code"] == "auth_failed"
    assert wrong["message"] == unknown["message"]  # no hint that the account exists

    # Per-account lockout: guesses from many addresses still spend the account's budget.
    limit = relay_settings.auth_max_failures_per_account
    for n in range(limit):
        asyncio.run(sign_in(relay_url, "111333", f"198.51.100.{60 + n}", account=EMAIL))
    locked = asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.90", account=EMAIL))
    assert locked["code"] == "auth_locked" and "account" in locked["message"]
    # The same user signs in by PIN alone meanwhile (a different budget), and so does Bob.
    assert asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.91"))["type"] == "auth_ok"
    again = asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.92", account="bob@example.com"))
    assert again["type"] == "auth_ok"


def test_bad_account_is_a_clear_error_that_costs_no_pin_check(
    relay_url: str, user: identity.User, checks: PinChecks
) -> None:
    answer = asyncio.run(sign_in(relay_url, RIGHT_PIN, "198.51.100.70", account="not an account"))
    assert (
        answer["code"] == "invalid_message"
        and "email address or a phone number" in (answer["message"])
    )
    assert checks.count == 0
