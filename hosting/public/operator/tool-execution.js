// Tool execution: per-tool counts from /tool-execution/api/stats, executed calls from
// /tool-execution/api/executions (filters, cursor paging). Refreshed when the live feed reports
// a turn with tool calls, and every 5 s while the feed is down.
import {
  $, api, clear, el, fmtMs, fmtNumber, fmtPercent, handleAuthError, jsonDetails, LiveFeed,
  liveIndicator, parsedOrText, requireOperator, showError, sinceOf, statusPill, throttle, timeEl,
  WINDOWS, words,
} from "/operator/common.js";

const FILTERS = ["window", "tool", "outcome"];
const PAGE = 50;
const POLL_MS = 5000;

const state = {
  filters: { window: "24h", tool: "", outcome: "" },
  executions: new Map(), // call_id -> {execution, node}
  nextCursor: null,
  listAbort: null,
  live: "connecting",
};

function readFiltersFromUrl() {
  const query = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value !== null) state.filters[name] = value;
  }
  if (!WINDOWS[state.filters.window]) state.filters.window = "24h";
  for (const name of FILTERS) {
    const select = $(`f-${name}`);
    const value = state.filters[name];
    if (value && ![...select.options].some((o) => o.value === value)) select.append(el("option", { value, text: words(value) }));
    select.value = value;
  }
}

function writeFiltersToUrl() {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = state.filters[name];
    if (value && !(name === "window" && value === "24h")) query.set(name, value);
  }
  const text = query.toString();
  history.replaceState(null, "", location.pathname + (text ? `?${text}` : ""));
}

function onFilterChange() {
  for (const name of FILTERS) state.filters[name] = $(`f-${name}`).value;
  writeFiltersToUrl();
  loadStats();
  loadExecutions({ reset: true });
}

// ---- stats --------------------------------------------------------------------------------

function renderStats(stats) {
  const window = stats.window || {};
  $("window-label").textContent = window.since ? `(${new Date(window.since).toLocaleString()} – ${window.until ? new Date(window.until).toLocaleString() : "now"})` : "";
  $("t-total").textContent = fmtNumber(stats.total ?? 0);
  $("t-ok").textContent = fmtNumber(stats.ok ?? 0);
  $("t-failed").textContent = fmtNumber(stats.failed ?? 0);
  $("t-timeout").textContent = fmtNumber(stats.timeout ?? 0);
  const tools = stats.tools || [];
  const max = Math.max(1, ...tools.map((t) => t.total || 0));
  const chart = clear($("tool-chart"));
  const tbody = clear($("tools").tBodies[0]);
  for (const tool of tools) {
    const bar = el("span", { class: "bar", title: `${tool.ok} ok, ${tool.failed} failed, ${tool.timeout} timed out` });
    for (const kind of ["ok", "failed", "timeout"]) {
      const part = el("span", { class: kind });
      part.style.width = `${(100 * (tool[kind] || 0)) / max}%`;
      bar.append(part);
    }
    chart.append(el("li", { dataset: { tool: tool.name } }, el("span", { class: "name", title: tool.name, text: tool.name }), bar, el("span", { class: "num", text: fmtNumber(tool.total) })));
    tbody.append(
      el("tr", { dataset: { tool: tool.name } },
        el("th", { scope: "row", "data-label": "Tool", text: tool.name }),
        el("td", { class: "num", "data-label": "Total", text: fmtNumber(tool.total) }),
        el("td", { class: "num", "data-label": "OK", text: fmtNumber(tool.ok) }),
        el("td", { class: "num", "data-label": "Failed", text: fmtNumber(tool.failed) }),
        el("td", { class: "num", "data-label": "Timeout", text: fmtNumber(tool.timeout) }),
        el("td", { class: "num", "data-label": "Success rate", text: fmtPercent(tool.success_rate) }),
      ),
    );
  }
  $("tools-empty").hidden = tools.length > 0;
  $("tools").hidden = tools.length === 0;
  // The tool filter offers every tool seen in the window.
  const select = $("f-tool");
  const have = new Set([...select.options].map((o) => o.value));
  const current = select.value;
  for (const name of tools.map((t) => t.name).sort()) if (!have.has(name)) select.append(el("option", { value: name, text: name }));
  select.value = current;
}

async function loadStats() {
  try {
    renderStats(await api("/tool-execution/api/stats", { params: { since: sinceOf(state.filters.window) } }));
  } catch (err) {
    if (!handleAuthError(err)) showError($("error"), `Could not load the tool totals: ${err.message}`);
  }
}

// ---- executions ---------------------------------------------------------------------------

function executionNode(x) {
  const outcome = x.outcome || (x.ok ? "ok" : "failed");
  return el("li", { class: `turn tool-call${outcome === "ok" ? "" : " failed"}`, dataset: { callId: x.call_id || "", tool: x.name || "", outcome } },
    el("div", { class: "turn-head" },
      timeEl(x.at),
      el("span", { class: "tool-name", text: x.name || "?" }),
      statusPill(outcome),
      el("span", { text: fmtMs(x.duration_ms) }),
      x.replayed ? el("span", { class: "pill muted", title: "a repeated call answered from the first one's result", text: "replayed" }) : null,
      el("span", { class: "user", title: "user id", text: x.user_id ? `user ${x.user_id}` : "" }),
    ),
    jsonDetails("arguments", x.arguments ?? {}),
    x.result_summary !== undefined && x.result_summary !== null
      ? jsonDetails("result", parsedOrText(x.result_summary))
      : null,
    el("div", { class: "hint" }, "turn ", el("code", { text: x.turn_id || "—" }),
      x.user_id && !String(x.user_id).startsWith("[") ? [" · ", el("a", { href: `/agent-monitor?user=${encodeURIComponent(x.user_id)}`, text: "this user's turns" })] : null),
  );
}

function updateCount() {
  const n = state.executions.size;
  $("executions-count").textContent = n ? `${n} shown${state.nextCursor ? ", more available" : ""}` : "";
  $("executions-empty").hidden = n > 0;
  $("more").hidden = !state.nextCursor;
}

function put(x, top) {
  const key = x.call_id || `${x.turn_id}:${x.name}:${x.at}`;
  const old = state.executions.get(key);
  const node = executionNode(x);
  if (old) {
    if (JSON.stringify(old.execution) === JSON.stringify(x)) return;
    old.node.querySelectorAll("details").forEach((d, i) => {
      const twin = node.querySelectorAll("details")[i];
      if (twin) twin.open = d.open;
    });
    old.node.replaceWith(node);
  } else if (top) {
    node.classList.add("fresh");
    $("executions").prepend(node);
  } else $("executions").append(node);
  state.executions.set(key, { execution: x, node });
}

async function loadExecutions({ reset = false, refresh = false } = {}) {
  if (state.listAbort) {
    if (refresh) return; // a load is under way already
    state.listAbort.abort();
  }
  const abort = new AbortController();
  state.listAbort = abort;
  document.body.dataset.executions = "loading"; // "ready" once the latest request has answered
  $("more").disabled = true;
  try {
    const f = state.filters;
    const params = { since: sinceOf(f.window), tool: f.tool, outcome: f.outcome, limit: PAGE, cursor: reset || refresh ? undefined : state.nextCursor };
    const page = await api("/tool-execution/api/executions", { params, signal: abort.signal });
    const items = page.executions || [];
    if (reset) {
      clear($("executions"));
      state.executions.clear();
    }
    if (refresh && state.executions.size) {
      // New executions on top, newest first; the ones shown already are updated in place.
      for (const x of [...items].reverse()) put(x, true);
    } else {
      for (const x of items) put(x, false);
      state.nextCursor = page.next_cursor || null;
    }
    showError($("error"), "");
  } catch (err) {
    if (err.name === "AbortError") return;
    if (!handleAuthError(err)) showError($("error"), `Could not load the executions: ${err.message}`);
  } finally {
    if (state.listAbort === abort) {
      state.listAbort = null;
      document.body.dataset.executions = "ready";
    }
    $("more").disabled = false;
    updateCount();
  }
}

const refreshSoon = throttle(() => {
  loadStats();
  loadExecutions({ refresh: true });
}, 1000);

async function main() {
  await requireOperator();
  readFiltersFromUrl();
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  for (const name of FILTERS) $(`f-${name}`).addEventListener("change", onFilterChange);
  $("f-reset").addEventListener("click", () => {
    for (const name of FILTERS) $(`f-${name}`).value = name === "window" ? "24h" : "";
    onFilterChange();
  });
  $("more").addEventListener("click", () => loadExecutions());
  await Promise.all([loadStats(), loadExecutions({ reset: true })]);
  const indicator = liveIndicator($("live"));
  const feed = new LiveFeed({
    onTurn: (turn) => {
      if ((turn.tool_calls && turn.tool_calls.length) || Object.keys(turn.tool_executions || {}).length) refreshSoon();
    },
    onState: (s, detail) => {
      state.live = s;
      indicator(s, detail);
    },
    onReconnect: refreshSoon,
  });
  feed.start();
  // While the live feed is down, poll.
  setInterval(() => {
    if (state.live !== "live" && document.visibilityState === "visible") refreshSoon();
  }, POLL_MS);
}

main().catch((err) => console.warn("tool execution:", err.message || err));
