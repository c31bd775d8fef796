"""A typed turn through the whole local stack: relay, Pub/Sub, agent_turn, Pub/Sub, relay."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid

import pg8000.native
import pytest
from google.cloud import firestore, pubsub_v1

from shared import topics
from shared.contracts import VoiceTranscript
from shared.tracing import TraceContext
from tests.e2e.conftest import DEMO_PIN, RunningStack
from tests.wsclient import RelayClient

pytestmark = pytest.mark.e2e


def _todos(stack: RunningStack, user_id: str) -> list[str]:
    conn = pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )
    try:
        rows = conn.run(
            "SELECT title FROM productivity.todos WHERE user_id = :u ORDER BY created_at", u=user_id
        )
    finally:
        conn.close()
    return [r[0] for r in rows]


def _tap(topic: str) -> tuple[pubsub_v1.SubscriberClient, str]:
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path("demo-convonet", f"e2e-tap-{topic}-{uuid.uuid4().hex[:8]}")
    subscriber.create_subscription(name=path, topic=subscriber.topic_path("demo-convonet", topic))
    return subscriber, path


def _pull_turn(subscriber: pubsub_v1.SubscriberClient, path: str, turn_id: str) -> dict[str, str]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = subscriber.pull(subscription=path, max_messages=20, timeout=2)
        for received in response.received_messages:
            if received.message.attributes.get("turn_id") == turn_id:
                return dict(received.message.attributes)
    raise AssertionError(f"no message for turn {turn_id} on {path}")


def test_add_and_list_todos_for_the_signed_in_user(stack: RunningStack) -> None:
    async def scenario() -> tuple[dict, list[dict], list[dict]]:  # type: ignore[type-arg]
        client = await RelayClient.open(stack.relay_url)
        auth = await client.authenticate(DEMO_PIN)
        added = await client.say("add a todo to buy milk")
        listed = await client.say("what are my todos")
        await client.close()
        return auth, added, listed

    auth, added, listed = asyncio.run(scenario())
    assert auth["type"] == "auth_ok" and auth["user_name"] == "Demo User"
    assert [f["type"] for f in added] == ["processing_start", "agent_final"]
    assert added[1]["turn_id"] == added[0]["turn_id"]
    assert "buy milk" in added[1]["text"].lower() and "added" in added[1]["text"].lower()
    assert listed[-1]["type"] == "agent_final" and "buy milk" in listed[-1]["text"]
    assert "buy milk" in _todos(stack, auth["user_id"])


def test_the_turn_travels_through_pubsub_and_firestore(stack: RunningStack) -> None:
    transcripts = _tap(topics.VOICE_TRANSCRIPT)
    outbound = _tap(topics.SESSION_OUTBOUND)

    async def scenario() -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
        client = await RelayClient.open(stack.relay_url)
        auth = await client.authenticate(DEMO_PIN)
        frames = await client.say("add a todo to water the plants")
        await client.close()
        return auth, frames

    auth, frames = asyncio.run(scenario())
    turn_id = frames[-1]["turn_id"]
    inbound_attrs = _pull_turn(*transcripts, turn_id)
    outbound_attrs = _pull_turn(*outbound, turn_id)
    # One trace across relay and agent_turn; the answer goes to the relay holding the session.
    trace_in = TraceContext.parse(inbound_attrs["traceparent"])
    trace_out = TraceContext.parse(outbound_attrs["traceparent"])
    assert trace_in and trace_out and trace_in.trace_id == trace_out.trace_id
    assert outbound_attrs["session_id"] == auth["session_id"]

    db = firestore.Client(project="demo-convonet")
    session = db.collection("sessions").document(auth["session_id"]).get().to_dict()
    assert (
        session["user_id"] == auth["user_id"] and session["relay_id"] == outbound_attrs["relay_id"]
    )
    turn = (
        db.collection("sessions")
        .document(auth["session_id"])
        .collection("turns")
        .document(turn_id)
        .get()
        .to_dict()
    )
    assert turn["agent_done"] and turn["transcript"] == "add a todo to water the plants"
    assert {"received", "relay_publish", "agent", "agent_first_sentence"} <= set(turn["timings"])
    assert turn["tool_calls"][0]["name"] == "add_todo"
    # The monitor function stored the record it received on monitor-events.
    deadline = time.monotonic() + 10
    summary = None
    while time.monotonic() < deadline:
        summary = db.collection("monitor_turns").document(turn_id).get().to_dict() or {}
        if summary.get("stages", {}).get("agent_turn"):
            break
        time.sleep(0.2)
    assert summary and summary["stages"]["agent_turn"] == "turn_completed"


def test_redelivered_transcript_does_not_add_the_todo_twice(stack: RunningStack) -> None:
    async def sign_in() -> dict:  # type: ignore[type-arg]
        client = await RelayClient.open(stack.relay_url)
        auth = await client.authenticate(DEMO_PIN)
        await client.say("what are my todos")
        await client.close()
        return auth

    auth = asyncio.run(sign_in())
    turn_id = uuid.uuid4().hex
    message = VoiceTranscript(
        session_id=auth["session_id"],
        turn_id=turn_id,
        user_id=auth["user_id"],
        text="add a todo to renew the passport",
        received_at=time.time(),
    )
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path("demo-convonet", topics.VOICE_TRANSCRIPT)
    for _ in range(3):  # the same message delivered three times
        publisher.publish(
            topic,
            message.model_dump_json().encode(),
            session_id=auth["session_id"],
            turn_id=turn_id,
        ).result()
    db = firestore.Client(project="demo-convonet")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        turn = (
            db.collection("sessions")
            .document(auth["session_id"])
            .collection("turns")
            .document(turn_id)
            .get()
            .to_dict()
        )
        if turn and turn.get("agent_done"):
            break
        time.sleep(0.2)
    time.sleep(1.5)  # let the duplicates be processed too
    assert _todos(stack, auth["user_id"]).count("renew the passport") == 1


def test_wrong_pins_fail_then_lock_out(stack: RunningStack) -> None:
    async def scenario() -> list[dict]:  # type: ignore[type-arg]
        client = await RelayClient.open(stack.relay_url)
        answers = [await client.authenticate("000001") for _ in range(6)]
        answers.append(await client.authenticate(DEMO_PIN))  # even the right PIN is refused now
        await client.send({"type": "heartbeat"})
        answers.append(await client.recv())
        await client.close()
        return answers

    answers = asyncio.run(scenario())
    codes = [a.get("code") for a in answers[:7]]
    assert codes[0] == "auth_failed" and "wrong PIN" in answers[0]["message"]
    assert "auth_locked" in codes[:5]
    assert codes[5] == codes[6] == "auth_locked"
    assert answers[7]["type"] == "heartbeat_ack"  # the connection stays usable


def test_bad_frames_get_precise_errors_and_the_session_keeps_working(stack: RunningStack) -> None:
    async def scenario() -> tuple[list[dict], list[dict]]:  # type: ignore[type-arg]
        client = await RelayClient.open(stack.relay_url)
        errors = []
        await client.send({"type": "text", "text": "add a todo before signing in"})
        errors.append(await client.recv())
        assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
        for bad in (
            b"\x00\xff\x13garbage",
            "this is not json",
            json.dumps({"type": "teleport"}),
            json.dumps({"type": "text"}),
            json.dumps({"type": "text", "text": "x" * (1536 * 1024)}),
            json.dumps([1, 2, 3]),
        ):
            await client.send(bad)
            errors.append(await client.recv())
        after = await client.say("what are my todos")
        await client.close()
        return errors, after

    errors, after = asyncio.run(scenario())
    assert [e["type"] for e in errors] == ["error"] * 7
    assert [e["code"] for e in errors] == [
        "not_authenticated",
        "binary_not_supported",
        "invalid_json",
        "unknown_type",
        "invalid_message",
        "frame_too_large",
        "invalid_message",
    ]
    assert "text" in errors[4]["message"] and "missing" in errors[4]["message"]
    assert after[-1]["type"] == "agent_final"


def test_pages_and_health(stack: RunningStack) -> None:
    with urllib.request.urlopen(stack.http_url + "/") as r:
        assert r.status == 200 and b"Convonet" in r.read()
    with urllib.request.urlopen(stack.http_url + "/runtime-config.json") as r:
        assert json.loads(r.read())["relayUrl"] == stack.relay_url
    # An unknown path gets a page with a way home, not a bare plain-text 404.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(stack.http_url + "/no/such/page")
    assert missing.value.code == 404
    body = missing.value.read().decode()
    assert "text/html" in missing.value.headers["Content-Type"] and 'href="/"' in body
    relay_health = stack.relay_url.replace("ws://", "http://").replace("/webrtc/ws", "/healthz")
    with urllib.request.urlopen(relay_health) as r:
        assert r.status == 200
