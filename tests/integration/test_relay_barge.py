"""Barge-in through the real relay and its VAD on the emulators, with espeak-ng clips
(tests/data/barge): a backchannel over a playing reply holds it and lets it go on; words that
interrupt cancel it, and the last audio the relay sends is within 300 ms of the speech."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from shared import identity
from shared.bus import Bus
from shared.db import Database
from shared.settings import RelaySettings
from tests.barge_scenario import FakeStt, speak_over_reply
from tests.relay_harness import running_relay

pytestmark = pytest.mark.integration
PIN = "735190"


@pytest.fixture
def user(db: Database, relay_settings: RelaySettings) -> identity.User:
    return identity.create_user(db, "Grace Hopper", PIN, relay_settings.pepper_bytes())


@pytest.fixture
def relay(relay_settings: RelaySettings, topics_ready: str) -> Iterator[str]:
    with running_relay(relay_settings) as url:
        yield url


@pytest.fixture
def stt(topics_ready: str, bus: Bus, relay_settings: RelaySettings) -> Iterator[FakeStt]:
    fake = FakeStt(topics_ready, bus, relay_settings.relay_id)
    yield fake
    fake.close()


def run(relay: str, bus: Bus, settings: RelaySettings, stt: FakeStt, clip: str, text: str) -> Any:
    return asyncio.run(speak_over_reply(relay, PIN, bus, settings.relay_id, stt, clip, text))


def test_relay_backchannel_over_a_reply_does_not_cancel_it(
    relay: str, user: identity.User, bus: Bus, relay_settings: RelaySettings, stt: FakeStt
) -> None:
    out = run(relay, bus, relay_settings, stt, "uh-huh", "Uh-huh.")
    assert "maybe_interrupt" in out.statuses and "resume" in out.statuses, out.statuses
    assert not out.interrupted
    assert stt.checks == 1
    indexes = [i for i, _ in out.chunks_received]
    assert indexes == sorted(indexes) and max(indexes) >= 5  # the reply went on


def test_relay_interruption_cancels_the_reply_at_once(
    relay: str, user: identity.User, bus: Bus, relay_settings: RelaySettings, stt: FakeStt
) -> None:
    out = run(relay, bus, relay_settings, stt, "interrupt_wait_stop", "Wait, stop.")
    assert out.interrupted, out.statuses
    assert "resume" not in out.statuses
    assert out.last_chunk_after_speech_ms <= 300, out.last_chunk_after_speech_ms
