// Agent monitor: totals, breakdowns and latencies from /agent-monitor/api/stats, the turns from
// /agent-monitor/api/interactions (filters, cursor paging) and new turns from the live feed.
import {
  $, api, clear, el, fmtMs, fmtNumber, fmtPercent, handleAuthError, jsonDetails, LiveFeed,
  liveIndicator, requireOperator, showError, sinceOf, statusPill, throttle, timeEl, toDate,
  WINDOWS, words, debounce, parsedOrText,
} from "/operator/common.js";
import { chartsAvailable, LatencyChart } from "/operator/chart.js";

const FILTERS = ["window", "provider", "domain", "status", "channel", "user"];
const STAGE_ORDER = ["end_of_speech_to_first_audio", "agent", "agent_first_sentence", "stt", "tts_first_sentence"];
const PAGE = 50;

const state = {
  filters: { window: "24h", provider: "", domain: "", status: "", channel: "", user: "" },
  turns: new Map(), // turn_id -> {turn, node}
  nextCursor: null,
  stats: null,
  stage: null,
  listAbort: null,
  chart: null,
};

// ---- filters ------------------------------------------------------------------------------

function readFiltersFromUrl() {
  const query = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value !== null) state.filters[name] = value;
  }
  if (!WINDOWS[state.filters.window]) state.filters.window = "24h";
  for (const name of FILTERS) {
    const input = $(`f-${name}`);
    if (input.tagName === "SELECT") ensureOption(input, state.filters[name]);
    input.value = state.filters[name];
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

function ensureOption(select, value) {
  if (!value || [...select.options].some((o) => o.value === value)) return;
  select.append(el("option", { value, text: words(value) }));
}

/** Adds the values the stats have seen to a filter's choices (keeping what is chosen). */
function fillChoices(select, keys) {
  const current = select.value;
  const have = new Set([...select.options].map((o) => o.value));
  for (const key of [...keys].sort()) if (!have.has(key)) select.append(el("option", { value: key, text: words(key) }));
  select.value = current;
}

function onFilterChange() {
  const before = state.filters.window;
  for (const name of FILTERS) state.filters[name] = $(`f-${name}`).value.trim();
  writeFiltersToUrl();
  loadTurns({ reset: true });
  if (state.filters.window !== before) loadStats();
}

function listParams() {
  const f = state.filters;
  return { since: sinceOf(f.window), provider: f.provider, domain: f.domain, status: f.status, channel: f.channel, user: f.user };
}

function matchesFilters(turn) {
  const f = state.filters;
  if (f.provider && turn.providers?.agent_turn?.provider !== f.provider) return false;
  if (f.domain && turn.domain !== f.domain) return false;
  if (f.status && turn.status !== f.status) return false;
  if (f.channel && turn.channel !== f.channel) return false;
  if (f.user && turn.user_id !== f.user) return false;
  const at = toDate(turn.updated_at);
  return !at || at.getTime() >= Date.now() - WINDOWS[f.window].seconds * 1000;
}

// ---- stats --------------------------------------------------------------------------------

function bars(list, counts) {
  clear(list);
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]);
  if (!entries.length) {
    list.append(el("li", { class: "empty-note", text: "none yet" }));
    return;
  }
  const max = Math.max(...entries.map(([, n]) => n), 1);
  for (const [name, count] of entries) {
    const fill = el("span");
    fill.style.width = `${(100 * count) / max}%`;
    list.append(el("li", {}, el("span", { class: "name", title: name, text: words(name) }), el("span", { class: "bar" }, fill), el("span", { class: "num", text: fmtNumber(count) })));
  }
}

function stageNames(latency) {
  const names = Object.keys(latency || {});
  const rank = (n) => (STAGE_ORDER.includes(n) ? STAGE_ORDER.indexOf(n) : STAGE_ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function renderStats(stats) {
  state.stats = stats;
  const turns = stats.turns || {};
  const window = stats.window || {};
  $("window-label").textContent = window.since ? `(${new Date(window.since).toLocaleString()} – ${window.until ? new Date(window.until).toLocaleString() : "now"})` : "";
  $("t-turns").textContent = fmtNumber(turns.total ?? 0);
  const status = turns.status || {};
  $("t-status").textContent = Object.entries(status).filter(([, n]) => n).map(([s, n]) => `${n} ${words(s)}`).join(" · ");
  $("t-success").textContent = fmtPercent(turns.success_rate);
  const tools = stats.tool_calls || {};
  $("t-tools").textContent = fmtNumber(tools.total ?? 0);
  $("t-tools-sub").textContent = `${fmtNumber(tools.ok ?? 0)} ok · ${fmtNumber(tools.failed ?? 0)} failed · ${fmtNumber(tools.timeout ?? 0)} timed out`;
  const fallbacks = stats.fallbacks || {};
  $("t-fallbacks").textContent = fmtNumber(Object.values(fallbacks).reduce((a, b) => a + b, 0));
  $("t-fallbacks-sub").textContent = Object.entries(fallbacks).map(([p, n]) => `${n} from ${p}`).join(" · ") || "none";
  bars($("b-provider"), turns.by_provider);
  bars($("b-domain"), turns.by_domain);
  bars($("b-channel"), turns.by_channel);
  fillChoices($("f-provider"), Object.keys(turns.by_provider || {}));
  fillChoices($("f-domain"), Object.keys(turns.by_domain || {}));
  fillChoices($("f-channel"), Object.keys(turns.by_channel || {}));

  // stages
  const names = stageNames(stats.latency);
  const tbody = clear($("stages").tBodies[0]);
  for (const name of names) {
    const s = stats.latency[name] || {};
    tbody.append(
      el("tr", { dataset: { stage: name } },
        el("th", { scope: "row", "data-label": "Stage", text: words(name) }),
        el("td", { class: "num", "data-label": "Count", text: fmtNumber(s.count) }),
        el("td", { class: "num", "data-label": "Mean", text: fmtMs(s.mean_ms) }),
        el("td", { class: "num", "data-label": "p50", text: fmtMs(s.p50_ms) }),
        el("td", { class: "num", "data-label": "p95", text: fmtMs(s.p95_ms) }),
      ),
    );
  }
  if (!names.length) tbody.append(el("tr", {}, el("td", { colspan: 5, class: "empty-note", text: "No stage timings in this window." })));

  const select = $("stage");
  const chosen = state.stage && names.includes(state.stage) ? state.stage : names[0] || null;
  clear(select);
  for (const name of names) select.append(el("option", { value: name, selected: name === chosen, text: words(name) }));
  select.disabled = !names.length;
  state.stage = chosen;
  renderChart();
}

function renderChart() {
  const series = (state.stats && state.stats.series) || [];
  const stage = state.stage;
  const chartBox = $("latency-chart");
  if (!chartsAvailable()) {
    chartBox.hidden = true;
    $("latency-empty").textContent = "The chart library did not load (run scripts/vendor-web.sh); the table below has the figures.";
    $("latency-empty").hidden = false;
    return;
  }
  const points = series.filter((s) => stage && s.latency && s.latency[stage]);
  $("latency-empty").hidden = points.length > 0;
  $("latency-empty").textContent = "No latency samples in this window.";
  chartBox.hidden = points.length === 0;
  if (!points.length) return;
  const xs = points.map((s) => Math.floor(Date.parse(s.hour) / 1000));
  const p50 = points.map((s) => s.latency[stage].p50_ms ?? null);
  const p95 = points.map((s) => s.latency[stage].p95_ms ?? null);
  if (!state.chart) state.chart = new LatencyChart(chartBox);
  state.chart.set(xs, p50, p95);
}

async function loadStats() {
  try {
    renderStats(await api("/agent-monitor/api/stats", { params: { since: sinceOf(state.filters.window) } }));
    showError($("error"), "");
  } catch (err) {
    if (!handleAuthError(err)) showError($("error"), `Could not load the totals: ${err.message}`);
  }
}

const refreshStatsSoon = throttle(loadStats, 1000);

// ---- turns --------------------------------------------------------------------------------

function providersLine(providers) {
  const names = { stt: "STT", agent_turn: "agent", tts: "TTS" };
  return Object.entries(providers || {}).filter(([, p]) => p && p.provider).map(([stage, p]) =>
    el("span", { class: "chip" }, el("strong", { text: `${names[stage] || words(stage)} ` }), p.model ? `${p.provider} · ${p.model}` : p.provider),
  );
}

function fallbackLine(fallbacks) {
  const chips = [];
  for (const [stage, list] of Object.entries(fallbacks || {})) {
    for (const f of list || []) chips.push(el("span", { class: "chip" }, `${words(stage)}: fell back from ${f.provider}`, f.reason ? ` (${f.reason})` : ""));
  }
  return chips;
}

function timingChips(timings) {
  const entries = Object.entries(timings || {}).filter(([, t]) => t && t.ms !== undefined && t.ms !== null);
  entries.sort((a, b) => (a[1].started_at ?? 0) - (b[1].started_at ?? 0) || a[0].localeCompare(b[0]));
  return entries.map(([stage, t]) => el("li", { class: "chip", dataset: { stage } }, `${words(stage)} `, el("strong", { text: fmtMs(t.ms) })));
}

export function toolCallItem(call, replayed = false) {
  const failed = call.ok === false;
  return el("li", { class: `tool-call${failed ? " failed" : ""}`, dataset: { tool: call.name || "" } },
    el("div", { class: "turn-head" },
      el("span", { class: "tool-name", text: call.name || "?" }),
      el("span", { class: `pill ${failed ? "down" : "ok"}`, text: call.outcome ? words(call.outcome) : failed ? "failed" : "ok" }),
      el("span", { text: fmtMs(call.duration_ms) }),
      replayed ? el("span", { class: "pill muted", text: "replayed" }) : null,
    ),
    jsonDetails("arguments", call.arguments ?? {}),
    call.result_summary !== undefined && call.result_summary !== null && call.result_summary !== ""
      ? jsonDetails("result", parsedOrText(call.result_summary))
      : null,
  );
}

function turnNode(turn) {
  const executions = Object.values(turn.tool_executions || {});
  const replayed = new Set(executions.filter((e) => e && e.replayed).map((e) => e.call_id));
  const calls = turn.tool_calls || [];
  return el("li", { class: "turn", dataset: { turnId: turn.turn_id, status: turn.status || "", domain: turn.domain || "", channel: turn.channel || "" } },
    el("div", { class: "turn-head" },
      timeEl(turn.updated_at),
      turn.purpose === "greeting" ? el("span", { class: "pill muted", text: "greeting" }) : statusPill(turn.status),
      turn.domain ? el("span", { class: "chip" }, el("strong", { text: "domain " }), words(turn.domain)) : null,
      turn.channel ? el("span", { class: "chip" }, el("strong", { text: "channel " }), words(turn.channel)) : null,
      el("span", { class: "user", title: "user id", text: turn.user_id ? `user ${turn.user_id}` : "no user" }),
    ),
    el("div", { class: "chips" }, providersLine(turn.providers), fallbackLine(turn.fallbacks)),
    el("div", { class: "exchange" },
      el("div", { class: `prompt${turn.prompt ? "" : " none"}`, text: turn.prompt || (turn.purpose === "greeting" ? "(a new session: the assistant greets the caller)" : turn.reply ? "(none: the agent spoke first)" : "(not recorded)") }),
      el("div", { class: `reply${turn.reply ? "" : " none"}`, text: turn.reply || (turn.status && turn.status !== "answered" ? "(no reply)" : "(not recorded)") }),
    ),
    turn.error ? el("div", { class: "error-line", text: `Error: ${typeof turn.error === "string" ? turn.error : turn.error.message || JSON.stringify(turn.error)}` }) : null,
    el("ul", { class: "chips timings", "aria-label": "Stage timings" }, timingChips(turn.timings)),
    calls.length
      ? el("div", {}, el("h3", { class: "visually-hidden", text: "Tool calls" }), el("ul", { class: "tool-calls", "aria-label": "Tool calls" }, calls.map((c) => toolCallItem(c, replayed.has(c.call_id)))))
      : null,
  );
}

function updateCount() {
  const n = state.turns.size;
  $("turns-count").textContent = n ? `${n} shown${state.nextCursor ? ", more available" : ""}` : "";
  $("turns-empty").hidden = n > 0;
  $("more").hidden = !state.nextCursor;
}

/** Puts a turn at the top (live) or the bottom (a page), replacing its earlier version. */
function upsert(turn, { top = true, fresh = false } = {}) {
  const list = $("turns");
  const old = state.turns.get(turn.turn_id);
  const node = turnNode(turn);
  if (fresh) node.classList.add("fresh");
  if (old) {
    // Keep open argument panels open across an update.
    const open = [...old.node.querySelectorAll("details[open]")].length > 0;
    if (open) node.querySelectorAll("details").forEach((d) => (d.open = true));
    if (top) {
      old.node.remove();
      list.prepend(node);
    } else old.node.replaceWith(node);
  } else if (top) list.prepend(node);
  else list.append(node);
  state.turns.set(turn.turn_id, { turn, node });
}

function removeTurn(turnId) {
  const old = state.turns.get(turnId);
  if (!old) return;
  old.node.remove();
  state.turns.delete(turnId);
}

async function loadTurns({ reset = false, merge = false } = {}) {
  if (state.listAbort) state.listAbort.abort();
  const abort = new AbortController();
  state.listAbort = abort;
  document.body.dataset.turns = "loading"; // "ready" once the latest request has answered
  const more = $("more");
  more.disabled = true;
  try {
    const params = { ...listParams(), limit: PAGE, cursor: reset || merge ? undefined : state.nextCursor };
    const page = await api("/agent-monitor/api/interactions", { params, signal: abort.signal });
    if (reset) {
      clear($("turns"));
      state.turns.clear();
    }
    const turns = page.interactions || [];
    if (merge) {
      // Back after a gap in the live feed: what changed meanwhile goes on top, newest first.
      for (const turn of [...turns].reverse()) {
        const old = state.turns.get(turn.turn_id);
        if (!old || old.turn.updated_at !== turn.updated_at) upsert(turn, { top: true });
      }
      if (!state.turns.size) state.nextCursor = page.next_cursor;
    } else {
      for (const turn of turns) if (!state.turns.has(turn.turn_id)) upsert(turn, { top: false });
      state.nextCursor = page.next_cursor || null;
    }
    showError($("error"), "");
  } catch (err) {
    if (err.name === "AbortError") return;
    if (!handleAuthError(err)) showError($("error"), `Could not load the turns: ${err.message}`);
  } finally {
    if (state.listAbort === abort) {
      state.listAbort = null;
      document.body.dataset.turns = "ready";
    }
    more.disabled = false;
    updateCount();
  }
}

function onLiveTurn(turn) {
  if (matchesFilters(turn)) upsert(turn, { top: true, fresh: true });
  else removeTurn(turn.turn_id);
  updateCount();
  refreshStatsSoon();
}

// ---- start --------------------------------------------------------------------------------

async function main() {
  await requireOperator();
  readFiltersFromUrl();
  const form = $("filters");
  form.addEventListener("submit", (e) => e.preventDefault());
  for (const name of FILTERS.filter((n) => n !== "user")) $(`f-${name}`).addEventListener("change", onFilterChange);
  $("f-user").addEventListener("input", debounce(onFilterChange, 400));
  $("f-user").addEventListener("change", onFilterChange);
  $("f-reset").addEventListener("click", () => {
    for (const name of FILTERS) $(`f-${name}`).value = name === "window" ? "24h" : "";
    onFilterChange();
    loadStats();
  });
  $("stage").addEventListener("change", () => {
    state.stage = $("stage").value;
    renderChart();
  });
  $("more").addEventListener("click", () => loadTurns());
  await Promise.all([loadStats(), loadTurns({ reset: true })]);
  setInterval(loadStats, 60000); // the window moves on even when nothing happens
  const feed = new LiveFeed({
    onTurn: onLiveTurn,
    onState: liveIndicator($("live")),
    onReconnect: () => {
      loadTurns({ merge: true });
      refreshStatsSoon();
    },
  });
  feed.start();
}

main().catch((err) => console.warn("agent monitor:", err.message || err));
