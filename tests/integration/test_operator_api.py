"""The operator API on the Firestore emulator and PostgreSQL, fed by the real monitor handler:
sign-in, counts that match the stored records exactly, filters and paging, roles, the live feed."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import pytest

from functions.operator.windows import encode_cursor
from shared.bus import Bus
from shared.contracts import MonitorEvent
from shared.db import Database
from shared.monitoring import layout
from tests.integration.operator_harness import (
    PASSWORD,
    OperatorHarness,
    build_harness,
    turn_events,
)

pytestmark = pytest.mark.integration
OPEN_ROUTES = {"/operator/api/sign-in", "/operator/api/sign-out", "/openapi.json", "/healthz"}


@pytest.fixture
def harness(bus: Bus, project_id: str, db: Database) -> OperatorHarness:
    return build_harness(bus, project_id, db)


def _fill(harness: OperatorHarness) -> None:
    """Nine turns: statuses, providers, domains and tool outcomes of several kinds."""
    now = time.time()
    specs: list[dict[str, Any]] = [
        {"tools": (("add_todo", True, "ok"),)},
        {"tools": (("add_todo", True, "ok"), ("list_todos", True, "ok"))},
        {"domain": "mortgage", "provider": "openai", "fallback": "anthropic"},
        {"status": "failed", "domain": "mortgage"},
        {"status": "timed_out", "tools": (("check_claim", False, "timed out after 5s"),)},
        {"provider": "openai", "tools": (("complete_todo", False, "refused"),)},
        {"user_id": "u2", "domain": "hanok", "agent_ms": 900.0},
        {"user_id": "u2", "domain": "hanok"},
        {"prompt": "my member id is BCP123456701 and I was born March 3, 1980"},
    ]
    for n, spec in enumerate(specs):
        for event in turn_events(f"t{n}", at=now - 60 * (len(specs) - n), **spec):
            harness.deliver(event)


def _signed_in(harness: OperatorHarness) -> OperatorHarness:
    assert harness.sign_in().status_code == 200
    return harness


def test_every_route_but_sign_in_refuses_a_caller_without_a_session(
    harness: OperatorHarness,
) -> None:
    paths = harness.http.get("/openapi.json").json()["paths"]
    routes = [(m, p) for p, ops in paths.items() if p not in OPEN_ROUTES for m in ops]
    assert len(routes) >= 10
    for method, route in routes:
        path = route.replace("{turn_id}", "x").replace("{application_id}", "x")
        answer = harness.http.request(method.upper(), path)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json()["error"] == "sign_in_required"
    forged = harness.http.get("/operator/api/me", cookies={"__session": "forged.value.sig"})
    assert forged.status_code == 401


def test_signing_in_sets_a_session_that_the_api_takes(harness: OperatorHarness) -> None:
    wrong = harness.sign_in(password="not it")
    assert wrong.status_code == 401 and wrong.json()["error"] == "sign_in_failed"
    right = harness.sign_in()
    assert right.status_code == 200
    cookie = right.headers["set-cookie"]
    assert "__session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert harness.http.get("/operator/api/me").json() == {
        "uid": "local:operator",
        "name": "operator",
        "role": "supervisor",
    }
    token = right.cookies["__session"]
    harness.http.post("/operator/api/sign-out")
    assert harness.http.get("/operator/api/me").status_code == 401
    bearer = harness.http.get("/operator/api/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200


def test_failed_sign_ins_are_budgeted(harness: OperatorHarness) -> None:
    for _ in range(5):
        assert harness.sign_in(password="guess").status_code == 401
    refused = harness.sign_in(password=PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_attempts"
    assert int(refused.headers["Retry-After"]) > 0


def _scan(harness: OperatorHarness) -> dict[str, Any]:
    """The same figures, counted from the stored records one by one."""
    turns = [d.to_dict() for d in harness.client.collection(layout.TURNS).stream()]
    calls = [d.to_dict() for d in harness.client.collection(layout.TOOL_CALLS).stream()]
    counted = [t for t in turns if t.get("status")]
    return {
        "total": len(counted),
        "status": Counter(t["status"] for t in counted),
        "provider": Counter(t["providers"]["agent_turn"]["provider"] for t in counted),
        "domain": Counter(t["domain"] for t in counted),
        "tools": Counter((c["name"], c["outcome"]) for c in calls),
        "agent_samples": sum(1 for t in turns if "agent" in t.get("timings", {})),
    }


def test_stats_match_the_stored_records_exactly_even_after_redelivery(
    harness: OperatorHarness,
) -> None:
    _fill(harness)
    harness.redeliver_all()
    scan = _scan(harness)
    stats = _signed_in(harness).http.get("/agent-monitor/api/stats").json()
    turns = stats["turns"]
    assert turns["total"] == scan["total"] == 9
    assert {k: v for k, v in turns["status"].items() if v} == dict(scan["status"])
    assert turns["by_provider"] == dict(scan["provider"])
    assert turns["by_domain"] == dict(scan["domain"])
    assert turns["success_rate"] == round(scan["status"]["answered"] / 9, 4)
    assert stats["fallbacks"] == {"anthropic": 1}
    assert stats["tool_calls"]["total"] == sum(scan["tools"].values()) == 5
    assert stats["tool_calls"]["timeout"] == 1 and stats["tool_calls"]["failed"] == 1
    agent = stats["latency"]["agent"]
    assert agent["count"] == scan["agent_samples"] == 9
    assert agent["p50_ms"] == 30 and agent["p95_ms"] == 1000
    assert stats["latency"]["text_to_first_audio"]["count"] == 9
    assert sum(hour["turns"] for hour in stats["series"]) == 9
    tools = harness.http.get("/tool-execution/api/stats").json()
    assert {
        (t["name"], o): t[o] for t in tools["tools"] for o in ("ok", "failed", "timeout") if t[o]
    } == dict(scan["tools"])
    assert tools["tools"][0]["name"] == "add_todo"


def test_a_window_before_the_turns_counts_nothing(harness: OperatorHarness) -> None:
    _fill(harness)
    _signed_in(harness)
    old = harness.http.get(
        "/agent-monitor/api/stats", params={"since": "2020-01-01T00:00:00Z", "until": "2020-01-02"}
    ).json()
    assert old["turns"]["total"] == 0 and old["turns"]["success_rate"] is None
    bad = harness.http.get("/agent-monitor/api/stats", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["message"]


def test_interactions_filter_and_page_without_repeats_or_gaps(harness: OperatorHarness) -> None:
    _fill(harness)
    _signed_in(harness)
    get = harness.http.get
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        page = get("/agent-monitor/api/interactions", params=params).json()
        seen += [t["turn_id"] for t in page["interactions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"t{n}" for n in reversed(range(9))]  # newest activity first
    by = {
        "domain": ("hanok", {"t6", "t7"}),
        "status": ("timed_out", {"t4"}),
        "provider": ("openai", {"t2", "t5"}),
        "user": ("u2", {"t6", "t7"}),
    }
    for name, (value, expected) in by.items():
        found = get("/agent-monitor/api/interactions", params={name: value}).json()
        assert {t["turn_id"] for t in found["interactions"]} == expected, name
    one = get("/agent-monitor/api/interactions/t1").json()
    assert [c["name"] for c in one["tool_calls"]] == ["add_todo", "list_todos"]
    assert one["timings"]["agent"]["ms"] == pytest.approx(30, abs=1)
    assert one["timings"]["text_to_first_audio"]["ms"] == pytest.approx(250, abs=1)
    assert one["tool_calls"][0]["arguments"] == {"title": "buy milk"}  # never the PIN
    assert get("/agent-monitor/api/interactions/nope").status_code == 404
    assert get("/agent-monitor/api/interactions", params={"limit": 0}).status_code == 400


def test_an_operator_sees_personal_data_masked_and_a_supervisor_sees_it_whole(
    bus: Bus, project_id: str, db: Database
) -> None:
    operator = build_harness(bus, project_id, db, role="operator")
    _fill(operator)
    _signed_in(operator)
    masked = operator.http.get("/agent-monitor/api/interactions/t8").json()["prompt"]
    assert "BCP123456701" not in masked and "1980" not in masked
    assert "[id]" in masked and "[date]" in masked
    supervisor = build_harness(bus, project_id, db, role="supervisor")
    _signed_in(supervisor)
    whole = supervisor.http.get("/agent-monitor/api/interactions/t8").json()["prompt"]
    assert "BCP123456701" in whole


def test_executions_filter_by_tool_and_outcome(harness: OperatorHarness) -> None:
    _fill(harness)
    _signed_in(harness)
    get = harness.http.get
    todo = get("/tool-execution/api/executions", params={"tool": "add_todo"}).json()
    assert [e["turn_id"] for e in todo["executions"]] == ["t1", "t0"]
    assert todo["executions"][0]["duration_ms"] == pytest.approx(5, abs=0.1)
    timeouts = get("/tool-execution/api/executions", params={"outcome": "timeout"}).json()
    assert [e["name"] for e in timeouts["executions"]] == ["check_claim"]
    assert get("/tool-execution/api/executions", params={"outcome": "meh"}).status_code == 400


def _read_feed(
    harness: OperatorHarness, url: str, want: str, found: dict[str, Any], last_id: str = ""
) -> None:
    headers = {"Origin": "http://pages.test", **({"Last-Event-ID": last_id} if last_id else {})}
    with harness.http.stream("GET", url, headers=headers) as stream:
        found["status"] = stream.status_code
        found["cors"] = stream.headers.get("access-control-allow-origin")
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "turn":
                turn = json.loads(line[6:])
                if turn["turn_id"] == want and turn.get("status"):
                    found["turn"] = turn
                    return


def test_the_live_feed_shows_a_new_turn_as_it_lands(harness: OperatorHarness) -> None:
    _signed_in(harness)
    ticket = harness.http.post("/agent-monitor/api/live-ticket").json()
    assert ticket["expires_in"] == 60
    url = ticket["url"].replace("http://testserver", "")
    found: dict[str, Any] = {}
    reader = threading.Thread(target=_read_feed, args=(harness, url, "live1", found))
    reader.start()
    time.sleep(1.0)  # the stream is open and its listener started
    for event in turn_events("live1", tools=(("add_todo", True, "ok"),)):
        harness.deliver(event)
    reader.join(10)
    assert found["status"] == 200 and found["cors"] == "http://pages.test"
    assert found["turn"]["reply"] == "I added buy milk."
    assert found["turn"]["tool_calls"][0]["name"] == "add_todo"


def test_the_live_feed_catches_up_from_the_last_event_id_and_ignores_a_foreign_one(
    harness: OperatorHarness,
) -> None:
    for event in turn_events("missed1", at=time.time()):
        harness.deliver(event)
    _signed_in(harness)
    for last_id, want in ((encode_cursor(time.time() - 300, "x"), "missed1"), ("garbage", None)):
        url = harness.http.post("/agent-monitor/api/live-ticket").json()["url"]
        found: dict[str, Any] = {}
        reader = threading.Thread(
            target=_read_feed,
            args=(harness, url.replace("http://testserver", ""), want or "later1", found, last_id),
        )
        reader.start()
        if want is None:  # nothing to catch up on: the feed still works
            time.sleep(1.0)
            for event in turn_events("later1"):
                harness.deliver(event)
        reader.join(10)
        assert found["status"] == 200 and found["turn"]["turn_id"] == (want or "later1")


def test_the_live_feed_refuses_a_forged_or_stale_ticket(
    harness: OperatorHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signed_in(harness)
    url = harness.http.post("/agent-monitor/api/live-ticket").json()["url"]
    harness.http.cookies.clear()
    forged = url[:-3] + ("abc" if not url.endswith("abc") else "xyz")
    assert harness.http.get(forged.replace("http://testserver", "")).status_code == 401
    later = time.time() + 120
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert harness.http.get(url.replace("http://testserver", "")).status_code == 401


def test_a_greeting_is_shown_as_one_and_never_counted(harness: OperatorHarness) -> None:
    now = time.time()
    harness.deliver(
        MonitorEvent(
            session_id="s9",
            turn_id="greet-s9",
            service="agent_turn",
            kind="greeting",
            user_id="u1",
            text_out="Hello Ada, how can I help you today?",
            channel="web",
            at=now,
        )
    )
    _signed_in(harness)
    greeting = harness.http.get("/agent-monitor/api/interactions/greet-s9").json()
    assert greeting["purpose"] == "greeting" and "status" not in greeting
    assert harness.http.get("/agent-monitor/api/stats").json()["turns"]["total"] == 0
