"""agent_turn's HTTP API as the local stack serves it (from the agent_turn worker, beside the
pulled subscription): a turn asked over HTTP changes PostgreSQL; the push entry at "/" takes only
the expected credential and a well-formed push envelope."""

from __future__ import annotations

import base64
import time
import uuid

import httpx
import pg8000.native
import pytest

from shared.contracts import VoiceTranscript
from tests.e2e.conftest import RunningStack, demo_user_id

pytestmark = pytest.mark.e2e


def _url(stack: RunningStack) -> str:
    return f"http://127.0.0.1:{stack.env['CONVONET_AGENT_TURN_PORT']}"


def _auth(stack: RunningStack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.env['CONVONET_AGENT_API_TOKEN']}"}


def _pg(stack: RunningStack) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )


def _todo_titles(stack: RunningStack, user_id: str) -> list[str]:
    conn = _pg(stack)
    try:
        rows = conn.run("SELECT title FROM productivity.todos WHERE user_id = :u", u=user_id)
    finally:
        conn.close()
    return [str(r[0]) for r in rows]


def _delete_todo(stack: RunningStack, user_id: str, title: str) -> None:
    conn = _pg(stack)
    try:
        conn.run(
            "DELETE FROM productivity.todos WHERE user_id = :u AND title = :t", u=user_id, t=title
        )
    finally:
        conn.close()


def test_a_turn_over_http_on_the_stack(stack: RunningStack) -> None:
    user_id = demo_user_id(stack)
    title = f"book the plumber {uuid.uuid4().hex[:6]}"
    body = {"prompt": f"add a todo to {title}", "user_id": user_id, "session_id": uuid.uuid4().hex}
    answer = httpx.post(f"{_url(stack)}/agent/process", json=body, headers=_auth(stack), timeout=30)
    assert answer.status_code == 200, answer.text
    assert title in answer.json()["response"]
    assert title in _todo_titles(stack, user_id)
    _delete_todo(stack, user_id, title)  # the demo user's list stays as the other tests expect
    assert httpx.post(f"{_url(stack)}/agent/process", json=body, timeout=10).status_code == 401
    listed = httpx.get(f"{_url(stack)}/api/llm-providers", headers=_auth(stack), timeout=10)
    assert (
        listed.status_code == 200
        and {"id": "rules", "name": "Offline rules model", "available": True} in listed.json()
    )


def test_the_push_entry_takes_only_the_credential_and_a_push_envelope(stack: RunningStack) -> None:
    url = f"{_url(stack)}/"
    message = VoiceTranscript(
        session_id="no-such-session",
        turn_id=uuid.uuid4().hex,
        user_id="nobody",
        text="hello",
        received_at=time.time(),
    )
    envelope = {
        "message": {
            "data": base64.b64encode(message.model_dump_json().encode()).decode(),
            "attributes": {},
            "messageId": uuid.uuid4().hex,
        },
        "subscription": "projects/demo-convonet/subscriptions/agent-turn-voice-transcript",
    }
    assert httpx.post(url, json=envelope, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert httpx.post(url, json=envelope, headers=wrong, timeout=10).status_code == 401
    bad = httpx.post(url, json={"nothing": 1}, headers=_auth(stack), timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_envelope"
    # A well-formed delivery for a session nobody has is handled (dropped) and acknowledged.
    assert httpx.post(url, json=envelope, headers=_auth(stack), timeout=30).status_code == 204
