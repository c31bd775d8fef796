"""The operator pages (sign-in, agent monitor, tool execution, mortgage dashboard) in headless
Chromium against the whole local stack, to the contract of docs/operator-api.md: an operator
signs in through the sign-in page, typed and spoken turns through the relay make real data, and
each page shows it, live where the page is live. Screenshots of every page at 390x844 and
1280x800 go to tests/e2e/screenshots/ (git-ignored)."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pg8000.native
import pytest
from google.cloud import firestore
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.conftest import FIXTURES
from tests.e2e.browser import find_chromium, launch_chromium
from tests.e2e.conftest import DEMO_PIN, RunningStack, demo_user_id
from tests.wsclient import RelayClient, send_batch

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WAIT_MS = 30_000
OPERATOR_PAGES = ("/agent-monitor", "/tool-execution", "/mortgage_dashboard")
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
TODO_LINE = "add a todo to call the locksmith"
# "Add a todo to pick up the dry cleaning on Thursday."
SPOKEN = FIXTURES / "speech" / "todo-create.joe.webm"
MORTGAGE_LINE = "I want to apply for a mortgage to buy a 600k home with 120k down"


# --------------------------------------------------------------------------- the data


def _say(stack: RunningStack, *lines: str) -> list[dict[str, Any]]:
    """Typed turns as the demo user; the last frame of each (agent_final, with its turn_id)."""

    async def scenario() -> list[dict[str, Any]]:
        client = await RelayClient.open(stack.relay_url)
        assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
        finals = []
        for line in lines:
            frames = await client.say(line)
            assert frames[-1]["type"] == "agent_final", frames[-1]
            finals.append(frames[-1])
        await client.close()
        return finals

    # In a thread of its own: Playwright's sync API may own this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result(timeout=120)


def _speak(stack: RunningStack, clip: Path) -> dict[str, Any]:
    """A push-to-talk turn as the demo user: the clip's WebM/Opus; its agent_final."""

    async def scenario() -> dict[str, Any]:
        client = await RelayClient.open(stack.relay_url)
        assert (await client.authenticate(DEMO_PIN))["type"] == "auth_ok"
        await send_batch(client, clip.read_bytes(), "audio/webm;codecs=opus")
        await client.send({"type": "stop_recording"})
        while (frame := await client.recv(60))["type"] != "agent_final":
            assert frame["type"] != "error", frame
        while (await client.recv(60))["type"] != "audio_chunk":
            pass  # until the reply is heard: the relay then reports the caller's wait
        await client.close()
        return frame

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result(timeout=120)


@dataclass
class Activity:
    todo_turn: str
    mortgage_turn: str
    spoken_turn: str
    application_reference: str
    application_id: str


@pytest.fixture(scope="module")
def activity(stack: RunningStack) -> Iterator[Activity]:
    """The turns every test here reads. What they add to the demo user (todos, the mortgage
    application) is removed afterwards: the other modules share the stack and its user."""
    started = _database_now(stack)
    yield _make_activity(stack)
    conn = _database(stack)
    try:
        for table in ("productivity.todos", "mortgage.applications"):
            conn.run(
                f"DELETE FROM {table} WHERE user_id = :u AND created_at >= :t",  # noqa: S608
                u=demo_user_id(stack),
                t=started,
            )
    finally:
        conn.close()


def _database(stack: RunningStack) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        "convonet", host="127.0.0.1", port=stack.pg_port, database="convonet"
    )


def _database_now(stack: RunningStack) -> Any:
    conn = _database(stack)
    try:
        return conn.run("SELECT now()")[0][0]
    finally:
        conn.close()


def _make_activity(stack: RunningStack) -> Activity:
    todo, mortgage = _say(stack, TODO_LINE, MORTGAGE_LINE)
    spoken = _speak(stack, SPOKEN)
    conn = _database(stack)
    try:
        rows = conn.run(
            "SELECT id, reference FROM mortgage.applications WHERE user_id = :u"
            " ORDER BY created_at DESC LIMIT 1",
            u=demo_user_id(stack),
        )
    finally:
        conn.close()
    assert rows, f"the mortgage turn made no application: {mortgage['text']!r}"
    [[application_id, reference]] = rows
    return Activity(
        todo["turn_id"], mortgage["turn_id"], spoken["turn_id"], reference, str(application_id)
    )


def _operator_credentials(stack: RunningStack) -> tuple[str, str]:
    """The local operator's username and password: the stack's environment, else its banner."""
    username = stack.env.get("CONVONET_OPERATOR_USERNAME")
    password = stack.env.get("CONVONET_OPERATOR_PASSWORD")
    if username and password:
        return username, password
    for line in stack.output:  # "Operator pages … (sign in as <username> / <password>, …)"
        found = re.search(r"Operator pages .*sign in as (\S+) / ([^\s,]+)", line)
        if found:
            return found.group(1), found.group(2)
    pytest.fail(
        "the local operator's credentials are neither in the stack's environment"
        " (CONVONET_OPERATOR_USERNAME / CONVONET_OPERATOR_PASSWORD) nor in its banner"
    )


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if find_chromium() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium); run scripts/setup-system.sh")
    with launch_chromium() as b:
        yield b


@dataclass
class Watched:
    page: Page
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """A console error this test expects (e.g. the 401 of a signed-out visit)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]


def _open(browser: Browser, stack: RunningStack, viewport: str = "desktop") -> Watched:
    context = browser.new_context(base_url=stack.http_url, viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    watched = Watched(page)
    page.on("pageerror", lambda err: watched.problems.append(f"page error: {err}"))
    page.on(
        "console",
        lambda msg: (
            watched.problems.append(f"console: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error"
            else None
        ),
    )
    return watched


@pytest.fixture
def tab(browser: Browser, stack: RunningStack) -> Iterator[Watched]:
    watched = _open(browser, stack)
    yield watched
    watched.page.context.close()
    assert not watched.unexpected(), "\n".join(watched.unexpected())


def _sign_in(page: Page, stack: RunningStack, path: str = "/agent-monitor") -> None:
    """Through the sign-in page, as an operator would: a page visit, the form, back to it."""
    username, password = _operator_credentials(stack)
    page.goto(path)
    page.wait_for_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(path) + r"$"))
    expect(page.locator("#content")).to_be_visible()
    expect(page.locator("#op-name")).not_to_be_empty()
    expect(page.locator("#op-role")).to_have_text(re.compile(r"^(operator|supervisor)$"))


def _sign_in_watched(watched: Watched, stack: RunningStack, path: str = "/agent-monitor") -> None:
    """_sign_in, forgiving only the signed-out visit's own 401 (GET /operator/api/me)."""
    mark = len(watched.problems)
    _sign_in(watched.page, stack, path)
    watched.problems[mark:] = [p for p in watched.problems[mark:] if "status of 401" not in p]


@pytest.fixture
def operator(tab: Watched, stack: RunningStack) -> Page:
    """A signed-in operator's page (it starts on the agent monitor)."""
    _sign_in_watched(tab, stack)
    return tab.page


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _choose(page: Page, select: str, value: str, listing: str) -> None:
    """Picks a filter's value and waits for the list it drives (``body[data-<listing>]``:
    "loading", then "ready" once the page's latest request has answered)."""
    page.locator(select).select_option(value)
    expect(page.locator("body")).to_have_attribute(f"data-{listing}", "ready")


def _turn(page: Page, turn_id: str) -> Any:
    return page.locator(f'#turns li.turn[data-turn-id="{turn_id}"]')


def _get(stack: RunningStack, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(stack.http_url + path, timeout=15) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _signed_in_get(stack: RunningStack, path: str) -> tuple[int, dict[str, Any]]:
    username, password = _operator_credentials(stack)
    with httpx.Client(base_url=stack.http_url, timeout=15) as client:
        signed = client.post(
            "/operator/api/sign-in", json={"username": username, "password": password}
        )
        assert signed.status_code == 200, signed.text
        answer = client.get(path)
        return answer.status_code, answer.json()


# --------------------------------------------------------------------------- signed out


@pytest.mark.parametrize(
    "path", [*OPERATOR_PAGES, "/mortgage_dashboard?status=started", "/agent-monitor?domain=x"]
)
def test_a_signed_out_visit_lands_on_sign_in_with_next(tab: Watched, path: str) -> None:
    tab.allow(r"status of 401")
    page = tab.page
    page.goto(path)
    page.wait_for_url(re.compile(r"/sign-in\?"))
    assert page.url.endswith("/sign-in?next=" + quote(path, safe="")), page.url
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/operator/api/me",
        "/agent-monitor/api/stats",
        "/agent-monitor/api/interactions",
        "/tool-execution/api/stats",
        "/tool-execution/api/executions",
        "/mortgage_dashboard/api/applications",
    ],
)
def test_a_signed_out_api_call_is_401(stack: RunningStack, path: str) -> None:
    status, body = _get(stack, path)
    assert status == 401, (status, body)
    assert body["error"] == "sign_in_required"


def test_a_live_ticket_needs_a_session_and_the_feed_a_real_ticket(stack: RunningStack) -> None:
    request = urllib.request.Request(
        stack.http_url + "/agent-monitor/api/live-ticket", method="POST", data=b""
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=15)
    assert refused.value.code == 401
    status, _ = _get(stack, "/agent-monitor/api/live?ticket=forged")
    assert status == 401


def test_a_wrong_password_shows_a_human_error(tab: Watched, stack: RunningStack) -> None:
    tab.allow(r"status of 401")
    page = tab.page
    username, _ = _operator_credentials(stack)
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator("#signin-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Wrong username or password")
    expect(error).not_to_contain_text("sign_in_failed")  # codes are for programs
    assert page.url.endswith("/sign-in")


def test_sign_in_goes_back_to_the_page_asked_for(tab: Watched, stack: RunningStack) -> None:
    _sign_in_watched(tab, stack, "/tool-execution")
    expect(tab.page.locator("h1")).to_have_text("Tool execution")


def test_sign_in_ignores_a_next_that_leaves_the_site(tab: Watched, stack: RunningStack) -> None:
    username, password = _operator_credentials(stack)
    page = tab.page
    page.goto("/sign-in?next=" + quote("//example.com/agent-monitor", safe=""))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(stack.http_url + "/agent-monitor")


def test_signing_out_ends_the_session(tab: Watched, stack: RunningStack) -> None:
    tab.allow(r"status of 401")
    page = tab.page
    _sign_in(page, stack)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in$"))
    status = page.evaluate("() => fetch('/operator/api/me').then(r => r.status)")
    assert status == 401
    page.goto("/mortgage_dashboard")
    page.wait_for_url(re.compile(r"/sign-in\?next="))


# --------------------------------------------------------------------------- agent monitor


def test_the_agent_monitor_shows_the_turn_its_tool_call_and_timings(
    operator: Page, activity: Activity
) -> None:
    turn = _turn(operator, activity.todo_turn)
    expect(turn).to_be_visible()
    expect(turn.locator(".prompt")).to_have_text(TODO_LINE)
    expect(turn.locator(".reply")).not_to_be_empty()
    expect(turn.locator(".pill").first).to_have_text("answered")
    expect(turn.locator('.tool-call[data-tool="add_todo"]')).to_be_visible()
    expect(turn.locator('.tool-call[data-tool="add_todo"] pre').first).to_contain_text("locksmith")
    expect(turn.locator('.timings [data-stage="agent"]')).to_contain_text("ms")
    # The totals and the stage table count it.
    expect(operator.locator("#t-turns")).not_to_have_text(re.compile(r"^(0|—)$"))
    expect(operator.locator('#stages tr[data-stage="agent"]')).to_be_visible()
    expect(operator.locator("#latency-chart .uplot")).to_be_visible()


def test_the_agent_monitor_shows_a_spoken_turn_with_its_speech_stages(
    operator: Page, activity: Activity
) -> None:
    turn = _turn(operator, activity.spoken_turn)
    expect(turn.locator(".prompt")).to_contain_text("dry cleaning", timeout=WAIT_MS)
    expect(turn.locator('.tool-call[data-tool="add_todo"]')).to_be_visible()
    for stage in ("stt", "agent", "end_of_speech_to_first_audio"):
        expect(turn.locator(f'.timings [data-stage="{stage}"]')).to_contain_text(
            "ms", timeout=WAIT_MS
        )


def test_the_stats_match_the_stored_records(stack: RunningStack, activity: Activity) -> None:
    """The counts the page shows come from the hourly counters; a scan of the stored turns
    gives the same figures."""
    stack.use_its_emulators()
    store = firestore.Client(project="demo-convonet")
    turns = [d.to_dict() or {} for d in store.collection("monitor_turns").stream()]
    counted = [t for t in turns if t.get("status")]
    status, stats = _signed_in_get(stack, "/agent-monitor/api/stats")
    assert status == 200
    assert stats["turns"]["total"] == len(counted) >= 3
    by_domain: dict[str, int] = {}
    for t in counted:
        by_domain[t.get("domain") or "none"] = by_domain.get(t.get("domain") or "none", 0) + 1
    assert stats["turns"]["by_domain"] == by_domain
    greetings = [t for t in turns if t.get("purpose") == "greeting"]
    assert greetings and not any(t.get("status") for t in greetings)


def test_a_filter_narrows_the_turns(operator: Page, activity: Activity) -> None:
    expect(_turn(operator, activity.todo_turn)).to_be_visible()
    expect(_turn(operator, activity.mortgage_turn)).to_be_visible()
    expect(operator.locator('#f-domain option[value="mortgage"]')).to_be_attached()
    _choose(operator, "#f-domain", "mortgage", "turns")
    expect(_turn(operator, activity.todo_turn)).to_have_count(0)
    expect(_turn(operator, activity.mortgage_turn)).to_be_visible()
    domains = operator.locator("#turns li.turn").evaluate_all("ns => ns.map(n => n.dataset.domain)")
    assert domains and set(domains) == {"mortgage"}, domains
    assert "domain=mortgage" in operator.url  # the filter is kept in the address
    _choose(operator, "#f-domain", "", "turns")
    expect(_turn(operator, activity.todo_turn)).to_be_visible()
    _choose(operator, "#f-status", "failed", "turns")
    expect(_turn(operator, activity.todo_turn)).to_have_count(0)
    statuses = operator.locator("#turns li.turn").evaluate_all(
        "ns => ns.map(n => n.dataset.status)"
    )
    assert set(statuses) <= {"failed"}, statuses


def test_the_live_feed_shows_a_new_turn_without_a_reload(
    operator: Page, stack: RunningStack, activity: Activity
) -> None:
    expect(operator.locator("#live")).to_have_attribute("data-state", "live")
    operator.evaluate("() => { window.__notReloaded = true; }")
    before = operator.locator("#t-turns").inner_text()
    line = "add a todo to water the ferns"
    [final] = _say(stack, line)
    turn = _turn(operator, final["turn_id"])
    expect(turn).to_be_visible()
    expect(turn.locator(".prompt")).to_have_text(line)
    # Newest first, and the turn's tool call came with it.
    first = operator.locator("#turns li.turn").first
    expect(first).to_have_attribute("data-turn-id", final["turn_id"])
    expect(turn.locator('.tool-call[data-tool="add_todo"]')).to_be_visible()
    # The totals follow (within the page's minute-long refresh at worst).
    expect(operator.locator("#t-turns")).not_to_have_text(before, timeout=70_000)
    assert operator.evaluate("() => window.__notReloaded === true")


def test_the_live_feed_respects_the_filters(
    operator: Page, stack: RunningStack, activity: Activity
) -> None:
    _choose(operator, "#f-domain", "mortgage", "turns")
    expect(_turn(operator, activity.mortgage_turn)).to_be_visible()
    expect(operator.locator("#live")).to_have_attribute("data-state", "live")
    [todo] = _say(stack, "add a todo to oil the hinges")
    operator.wait_for_timeout(3000)  # long enough for the live feed to have sent it
    expect(_turn(operator, todo["turn_id"])).to_have_count(0)


# --------------------------------------------------------------------------- tool execution


def test_tool_execution_shows_the_executed_tool_and_updates_live(
    operator: Page, stack: RunningStack, activity: Activity
) -> None:
    operator.get_by_role("link", name="Tool execution").click()
    operator.wait_for_url(re.compile(r"/tool-execution$"))
    expect(operator.locator('#tools tr[data-tool="add_todo"]')).to_be_visible()
    expect(operator.locator('#tool-chart li[data-tool="add_todo"]')).to_be_visible()
    executions = operator.locator('#executions li[data-tool="add_todo"]')
    expect(executions.filter(has_text="locksmith").first).to_be_visible()
    first = executions.filter(has_text="locksmith").first
    expect(first).to_have_attribute("data-outcome", "ok")
    first.locator("details summary").first.click()
    expect(first.locator("details pre").first).to_be_visible()
    # A new execution appears without a reload.
    operator.evaluate("() => { window.__notReloaded = true; }")
    _say(stack, "add a todo to return the library books")
    expect(executions.filter(has_text="library books").first).to_be_visible(timeout=WAIT_MS)
    assert operator.evaluate("() => window.__notReloaded === true")
    # The outcome filter narrows the list.
    _choose(operator, "#f-outcome", "failed", "executions")
    expect(executions.filter(has_text="locksmith")).to_have_count(0)


# --------------------------------------------------------------------------- mortgage


def test_the_mortgage_dashboard_lists_the_application_and_opens_it(
    operator: Page, activity: Activity
) -> None:
    operator.get_by_role("link", name="Mortgage dashboard").click()
    operator.wait_for_url(re.compile(r"/mortgage_dashboard$"))
    row = operator.locator(f'#applications tr[data-reference="{activity.application_reference}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("purchase")
    expect(row.locator('[role="progressbar"]')).to_be_attached()
    expect(operator.locator("#summary")).to_contain_text("All")
    row.click()
    detail = operator.locator("#detail")
    expect(detail).to_be_visible()
    expect(operator.locator("#detail-title")).to_contain_text(activity.application_reference)
    expect(detail).to_contain_text("Missing documents")
    expect(detail).to_contain_text("Status history")
    expect(detail).to_contain_text("$")  # the loan, formatted
    operator.get_by_role("button", name="Back to applications").click()
    expect(detail).to_be_hidden()
    expect(row).to_be_visible()


def test_the_mortgage_status_filter(operator: Page, activity: Activity) -> None:
    operator.goto("/mortgage_dashboard")
    row = operator.locator(f'#applications tr[data-reference="{activity.application_reference}"]')
    expect(row).to_be_visible()
    status = row.get_attribute("data-status")
    other = "approved" if status != "approved" else "denied"
    _choose(operator, "#f-status", other, "applications")
    expect(row).to_have_count(0)
    _choose(operator, "#f-status", status or "", "applications")
    expect(row).to_be_visible()


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_renders_without_errors_or_sideways_scroll(
    browser: Browser, stack: RunningStack, activity: Activity, viewport: str
) -> None:
    width = VIEWPORTS[viewport]["width"]
    watched = _open(browser, stack, viewport)
    page = watched.page
    overflow: dict[str, int] = {}

    def check(name: str) -> None:
        page.wait_for_timeout(300)  # let late layout (charts) settle
        _shot(page, f"{name}-{viewport}")
        scroll = int(page.evaluate("() => document.documentElement.scrollWidth"))
        if scroll > width:
            overflow[name] = scroll

    try:
        page.goto("/")
        expect(page.locator("#relay-status")).to_have_text("up")
        for link in ("Agent monitor", "Tool execution", "Mortgage dashboard"):
            expect(page.get_by_role("link", name=link)).to_be_visible()
        check("landing")
        page.goto("/sign-in")
        expect(page.get_by_label("Username")).to_be_visible()
        check("sign-in")
        _sign_in_watched(watched, stack)
        expect(_turn(page, activity.todo_turn)).to_be_visible()
        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        check("agent-monitor")
        page.goto("/tool-execution")
        expect(page.locator('#executions li[data-tool="add_todo"]').first).to_be_visible()
        check("tool-execution")
        page.goto("/mortgage_dashboard")
        row = page.locator(f'#applications tr[data-reference="{activity.application_reference}"]')
        expect(row).to_be_visible()
        check("mortgage-dashboard")
        row.click()
        expect(page.locator("#detail-body dl")).to_be_visible()
        check("mortgage-detail")
        if viewport == "phone":
            # On a phone the detail takes the screen; the list is one tap back.
            expect(page.locator("#list-section")).to_be_hidden()
        for doc in ("index", "architecture", "voice-turn", "transfer", "spec"):
            page.goto(f"/docs/{doc}" if doc != "index" else "/docs/")
            expect(page.locator("h1")).to_be_visible()
            check(f"docs-{doc}")
        page.goto("/voice_assistant")
        expect(page.locator("#pin")).to_be_visible()
        check("voice-assistant")
        assert not overflow, f"wider than {width} px: {overflow}"
        assert not watched.unexpected(), "\n".join(watched.unexpected())
    finally:
        page.context.close()
