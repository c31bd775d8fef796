"""Fuzzing the relay's protocol against its real server: whatever a client sends, the relay
answers with a precise code or takes the frame, never ``internal_error``, never a crash, and
the connection keeps working. ``make fuzz`` runs a longer search (CONVONET_FUZZ_EXAMPLES)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pg8000.native
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from local import pubsub_setup
from shared import identity
from shared.db import Database
from shared.settings import RelaySettings
from shared.ws_protocol import Heartbeat
from tests.conftest import TEMPLATE_DB, Backing
from tests.protocol_strategies import frames
from tests.relay_harness import running_relay
from websocket_relay.frames import FrameError, parse_frame

pytestmark = pytest.mark.integration
PIN = "480913"
EXAMPLES = int(os.environ.get("CONVONET_FUZZ_EXAMPLES", "300"))


class Client:
    """A connection that reconnects (and signs in again) if a frame legitimately closed it."""

    def __init__(self, url: str, signed_in: bool):
        self.url, self.signed_in = url, signed_in
        self.ws = self._open()

    def _open(self) -> ClientConnection:
        ws = connect(self.url, max_size=None, open_timeout=10)
        if self.signed_in:
            ws.send(json.dumps({"type": "authenticate", "pin": PIN}))
            answer = _until(ws, "auth_ok", "error")
            assert answer[-1]["type"] == "auth_ok", answer
        return ws

    def exchange(self, raw: str | bytes) -> list[dict[str, Any]]:
        """Send the frame, then a heartbeat: everything up to its ack answers the frame."""
        try:
            self.ws.send(raw)
            self.ws.send(json.dumps({"type": "heartbeat"}))
            got = _until(self.ws, "heartbeat_ack")
            if is_heartbeat(raw):  # the frame had its own ack: ours is still to come
                got += _until(self.ws, "heartbeat_ack")
            return got
        except ConnectionClosed:
            code = self.ws.close_code
            self.ws = self._open()
            return [{"type": "closed", "code": code}]


def _until(ws: ClientConnection, *kinds: str) -> list[dict[str, Any]]:
    got = []
    while True:
        frame = json.loads(ws.recv(timeout=15))
        got.append(frame)
        if frame["type"] in kinds:
            return got


@pytest.fixture(scope="module")
def clients(backing: Backing) -> Iterator[dict[bool, Client]]:
    # Module-scoped: hypothesis runs every example against the same live connections.
    project_id, db_name = f"fuzz-{uuid.uuid4().hex[:12]}", f"f_{uuid.uuid4().hex[:16]}"
    admin = pg8000.native.Connection(
        "postgres", host="127.0.0.1", port=backing.postgres_port, database="postgres"
    )
    admin.run(f'CREATE DATABASE {db_name} TEMPLATE {TEMPLATE_DB} OWNER "convonet"')
    admin.close()
    pubsub_setup.create_all(project_id)
    settings = RelaySettings(
        env="test",
        GOOGLE_CLOUD_PROJECT=project_id,
        db_port=backing.postgres_port,
        db_name=db_name,
        # Limits that would otherwise answer most examples with rate_limited or auth_locked.
        max_frames_per_second=10_000.0,
        frame_burst=10_000,
        max_turns_per_minute=10_000,
        auth_max_failures_per_source=10_000,
        auth_max_failures_per_connection=10_000,
        auth_global_failure_budget=10_000,
    )
    db = Database(settings, pool_size=1)
    identity.create_user(db, "Ada", PIN, settings.pepper_bytes())
    db.close()
    with running_relay(settings) as url:
        yield {True: Client(url, True), False: Client(url, False)}


def is_heartbeat(raw: str | bytes) -> bool:
    try:
        return isinstance(parse_frame(raw, 1 << 20), Heartbeat)
    except FrameError:
        return False


def expected_error(raw: str | bytes, max_bytes: int) -> str | None:
    try:
        parse_frame(raw, max_bytes)
    except FrameError as bad:
        return bad.error.code
    return None


# The relay's threads (client retry jitter) use `random` while examples are drawn; the
# strategies themselves do not.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=frames, signed_in=st.booleans())
def test_every_frame_gets_a_precise_answer_and_the_connection_survives(
    clients: dict[bool, Client], raw: str | bytes, signed_in: bool
) -> None:
    answers = clients[signed_in].exchange(raw)
    errors = [a for a in answers if a["type"] == "error"]
    assert not [e for e in errors if e["code"] == "internal_error"], (raw, answers)
    if answers[0]["type"] == "closed":
        assert answers[0]["code"] == 1009 and len(raw) > 4096, (raw, answers)
        return
    assert answers[-1]["type"] == "heartbeat_ack"
    code = expected_error(raw, RelaySettings.model_fields["max_frame_bytes"].default)
    if code is not None:
        assert code in [e["code"] for e in errors], (raw, answers)
