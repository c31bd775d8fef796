// Shared by the operator pages: the session check, the API fetch helper, the live feed, DOM
// building (text only: data from the API is never parsed as HTML) and formatting.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const HUMAN_STATUS = {
  400: "The request was not understood.",
  401: "Your session has ended; sign in again.",
  403: "Your account may not see this.",
  404: "It was not found (it may have been removed).",
  422: "A filter value is not valid.",
  429: "Too many requests; wait a moment.",
  500: "The server had a problem.",
  502: "The operator service is not answering.",
  503: "The operator service is unavailable right now.",
  504: "The operator service took too long to answer.",
};

function retryAfterSeconds(response) {
  const raw = response.headers.get("Retry-After");
  if (!raw) return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** JSON from the operator API; throws ApiError with a human message on any failure. */
export async function api(path, { method = "GET", body, params, signal } = {}) {
  let url = path;
  if (params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
    }
    const text = query.toString();
    if (text) url += (url.includes("?") ? "&" : "?") + text;
  }
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Could not reach the server; check the connection.");
  }
  if (response.status === 204) return null;
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    // {"error": {"code", "message"}} (docs/operator-api.md); {"error": code, "message"} too.
    const raw = data && data.error;
    const error = raw && typeof raw === "object" ? raw : { code: raw, message: data && data.message };
    const human = HUMAN_STATUS[response.status] || `The server answered HTTP ${response.status}.`;
    // The API's message is meant for people; its code is for programs and is not shown.
    const message = typeof error.message === "string" && error.message ? error.message : human;
    throw new ApiError(response.status, String(error.code || ""), message, retryAfterSeconds(response));
  }
  if (data === null) throw new ApiError(response.status, "not_json", "The server sent an answer this page cannot read.");
  return data;
}

export function signInUrl() {
  return "/sign-in?next=" + encodeURIComponent(location.pathname + location.search);
}

export function goToSignIn() {
  location.replace(signInUrl());
}

/** Throws away a failed call's error after sending a signed-out operator to the sign-in page. */
export function handleAuthError(err) {
  if (err instanceof ApiError && err.status === 401) {
    goToSignIn();
    return true;
  }
  return false;
}

// ---- DOM ----------------------------------------------------------------------------------

/** An element with attributes and children; strings become text nodes (never HTML). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function $(id) {
  return document.getElementById(id);
}

/** Shows a message in a banner element (role="alert"), or hides it with an empty message. */
export function showError(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

/** Pretty JSON in a collapsible <details>; the summary is a one-line preview. */
export function jsonDetails(label, value, { open = false } = {}) {
  let pretty;
  let preview;
  try {
    pretty = JSON.stringify(value, null, 2);
    preview = JSON.stringify(value);
  } catch {
    pretty = preview = String(value);
  }
  if (pretty === undefined) pretty = preview = "—";
  if (preview.length > 80) preview = preview.slice(0, 77) + "…";
  return el(
    "details",
    { class: "json", open },
    el("summary", {}, el("span", { class: "json-label", text: label }), " ", el("code", { text: preview })),
    el("pre", { text: pretty }),
  );
}

/** A result summary that is JSON text is shown as the JSON it holds. */
export function parsedOrText(value) {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (!(text.startsWith("{") || text.startsWith("["))) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

// ---- formatting ---------------------------------------------------------------------------

const numberFormat = new Intl.NumberFormat(undefined);
const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function fmtNumber(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  return Number.isFinite(n) ? numberFormat.format(n) : String(value);
}

export function fmtMs(value) {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (n >= 10000) return `${(n / 1000).toFixed(1)} s`;
  if (n >= 100) return `${Math.round(n)} ms`;
  return `${n.toFixed(1)} ms`;
}

export function fmtPercent(ratio, digits = 1) {
  if (ratio === null || ratio === undefined) return "—";
  const n = Number(ratio);
  return Number.isFinite(n) ? `${(n * 100).toFixed(digits)} %` : String(ratio);
}

/** Decimal strings as dollars; a masked value ("[amount]") is shown as it is. */
export function fmtMoney(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? moneyFormat.format(n) : String(value);
}

export function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "14:05:09" today, "2 Dec, 14:05" otherwise, in the viewer's time zone. */
export function fmtTime(value) {
  const d = toDate(value);
  if (!d) return value ? String(value) : "—";
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function timeEl(value) {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    // A calendar day (no time zone): shown as that day.
    const [y, m, day] = value.split("-").map(Number);
    const text = new Date(y, m - 1, day).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
    return el("time", { datetime: value, text });
  }
  const d = toDate(value);
  return el("time", { datetime: d ? d.toISOString() : undefined, title: d ? d.toISOString() : undefined, text: fmtTime(value) });
}

/** "documents_pending" -> "documents pending". */
export function words(value) {
  return value === null || value === undefined ? "—" : String(value).replaceAll("_", " ");
}

export function statusPill(status) {
  if (status === null || status === undefined || status === "") return el("span", { class: "pill muted", text: "no status" });
  const kind = { answered: "ok", ok: "ok", approved: "ok", failed: "down", denied: "down", timed_out: "wait", timeout: "wait", cancelled: "muted", withdrawn: "muted" }[status] || "";
  return el("span", { class: `pill ${kind}`.trim(), text: words(status) });
}

// ---- time windows -------------------------------------------------------------------------

export const WINDOWS = {
  "1h": { label: "Last hour", seconds: 3600 },
  "24h": { label: "Last 24 hours", seconds: 86400 },
  "7d": { label: "Last 7 days", seconds: 7 * 86400 },
  "30d": { label: "Last 30 days", seconds: 30 * 86400 },
};

/** The `since` of a window preset, ISO 8601 (until is left to the server: now). */
export function sinceOf(preset) {
  const window = WINDOWS[preset] || WINDOWS["24h"];
  return new Date(Date.now() - window.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function windowSelect(id, value) {
  return el(
    "select",
    { id, name: "window" },
    Object.entries(WINDOWS).map(([key, w]) => el("option", { value: key, selected: key === value, text: w.label })),
  );
}

// ---- timing helpers -----------------------------------------------------------------------

/** Calls fn at most once per `ms`, the last call of a burst included. */
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return (...args) => {
    const wait = last + ms - Date.now();
    if (wait <= 0 && !timer) {
      last = Date.now();
      fn(...args);
      return;
    }
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn(...args);
    }, Math.max(0, wait));
  };
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// ---- the page frame: session, header, sign-out ----------------------------------------------

/**
 * Checks the session (GET /operator/api/me). Signed out: off to /sign-in?next=…, and the
 * promise never resolves. Signed in: fills the header's operator name and role, wires sign-out,
 * shows the page and resolves with the Operator.
 */
export async function requireOperator() {
  let me;
  try {
    me = await api("/operator/api/me");
  } catch (err) {
    if (handleAuthError(err)) return new Promise(() => {});
    const gate = $("gate");
    if (gate) {
      gate.hidden = false;
      const message = err instanceof ApiError && err.status === 403
        ? "This account is signed in but is not an operator. Ask a supervisor for the operator role, or sign in with another account."
        : `The operator service could not be reached: ${err.message}`;
      showError($("gate-message"), message);
      $("gate-signout")?.addEventListener("click", signOut);
    }
    throw err;
  }
  $("op-name").textContent = me.name || me.uid || "operator";
  $("op-role").textContent = me.role || "";
  $("op-user").hidden = false;
  $("signout").addEventListener("click", signOut);
  $("content").hidden = false;
  document.body.dataset.auth = "signed-in";
  return me;
}

export async function signOut() {
  try {
    await api("/operator/api/sign-out", { method: "POST" });
  } catch {
    // Going to the sign-in page anyway: the cookie expires on its own.
  }
  location.assign("/sign-in");
}

// ---- the live feed --------------------------------------------------------------------------

/**
 * The live feed of turns: a ticket from POST /agent-monitor/api/live-ticket, then an
 * EventSource on its URL. On an error or the end of the stream it closes, takes a new ticket and
 * reconnects with backoff (1 s doubling to 30 s). `onTurn(turn)` gets each `turn` event;
 * `onState(state, detail)` gets "connecting", "live", "reconnecting" (detail: seconds) and
 * "offline"; `onReconnect()` runs when the feed is back after a gap (to catch up what it missed).
 */
export class LiveFeed {
  constructor({ onTurn, onState = () => {}, onReconnect = () => {} }) {
    this.onTurn = onTurn;
    this.onState = onState;
    this.onReconnect = onReconnect;
    this.source = null;
    this.delay = 1000;
    this.timer = null;
    this.hadGap = false;
    this.stopped = false;
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.source && !this.stopped) this.connectNow();
    });
    window.addEventListener("pagehide", () => this.stop());
  }

  start() {
    this.stopped = false;
    this.connectNow();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.close();
  }

  close() {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  connectNow() {
    clearTimeout(this.timer);
    this.connect();
  }

  async connect() {
    this.close();
    this.onState("connecting");
    let ticket;
    try {
      ticket = await api("/agent-monitor/api/live-ticket", { method: "POST" });
    } catch (err) {
      if (handleAuthError(err)) return this.stop();
      return this.retry();
    }
    if (this.stopped) return;
    const source = new EventSource(ticket.url);
    this.source = source;
    source.addEventListener("open", () => {
      if (this.source !== source) return;
      this.delay = 1000;
      this.onState("live");
      if (this.hadGap) {
        this.hadGap = false;
        this.onReconnect();
      }
    });
    source.addEventListener("turn", (event) => {
      let turn;
      try {
        turn = JSON.parse(event.data);
      } catch {
        return;
      }
      if (turn && turn.turn_id) this.onTurn(turn);
    });
    source.addEventListener("error", () => {
      if (this.source !== source) return;
      // The ticket is single-use and short-lived: never let EventSource retry with it.
      this.close();
      this.retry();
    });
  }

  retry() {
    if (this.stopped) return;
    this.hadGap = true;
    const seconds = Math.round(this.delay / 1000);
    this.onState("reconnecting", seconds);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, 30000);
  }
}

/** Wires a LiveFeed's state to a pill element (#live). */
export function liveIndicator(node) {
  const labels = { connecting: "connecting…", live: "live", reconnecting: "reconnecting", offline: "offline" };
  return (state, seconds) => {
    node.dataset.state = state;
    node.className = `pill live-pill ${state === "live" ? "ok" : state === "offline" ? "down" : "wait"}`;
    node.textContent = state === "reconnecting" && seconds ? `reconnecting in ${seconds} s` : labels[state] || state;
    node.title = state === "live" ? "New turns appear as they happen." : "Waiting for the live feed.";
  };
}
