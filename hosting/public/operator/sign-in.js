// Operator sign-in: local mode posts a username and password to /operator/api/sign-in;
// firebase mode signs in with Firebase Authentication's REST API and posts the ID token.
import { $, api, ApiError, showError } from "/operator/common.js";

const DEFAULT_NEXT = "/agent-monitor";

/** The `next` query parameter when it is a path on this site, else the agent monitor. */
export function nextPath(search = location.search) {
  const next = new URLSearchParams(search).get("next");
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return DEFAULT_NEXT;
  try {
    const url = new URL(next, location.origin);
    if (url.origin !== location.origin || url.pathname === "/sign-in") return DEFAULT_NEXT;
    return url.pathname + url.search + url.hash;
  } catch {
    return DEFAULT_NEXT;
  }
}

const FIREBASE_ERRORS = {
  EMAIL_NOT_FOUND: "Wrong email or password.",
  INVALID_PASSWORD: "Wrong email or password.",
  INVALID_LOGIN_CREDENTIALS: "Wrong email or password.",
  INVALID_EMAIL: "That is not a valid email address.",
  MISSING_PASSWORD: "Enter your password.",
  USER_DISABLED: "This account has been disabled. Ask a supervisor.",
  TOO_MANY_ATTEMPTS_TRY_LATER: "Too many attempts. Wait a few minutes, then try again.",
};

let config = { mode: "local" };
let lockedUntil = 0;
let countdown = null;

async function loadConfig() {
  try {
    const response = await fetch("/runtime-config.json", { cache: "no-store" });
    if (response.ok) {
      const runtime = await response.json();
      if (runtime && runtime.operatorSignIn && runtime.operatorSignIn.mode) return runtime.operatorSignIn;
    }
  } catch {
    // Fall through: local mode is what `make run` serves.
  }
  return { mode: "local" };
}

function fail(message) {
  showError($("signin-error"), message);
}

function setBusy(busy) {
  $("signin-button").disabled = busy || Date.now() < lockedUntil;
  $("signin-button").textContent = busy ? "Signing in…" : "Sign in";
}

function lockFor(seconds) {
  lockedUntil = Date.now() + seconds * 1000;
  clearInterval(countdown);
  const tick = () => {
    const left = Math.ceil((lockedUntil - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(countdown);
      fail("");
      setBusy(false);
      return;
    }
    fail(`Too many sign-in attempts. Try again in ${left} second${left === 1 ? "" : "s"}.`);
    $("signin-button").disabled = true;
  };
  tick();
  countdown = setInterval(tick, 1000);
}

async function firebaseIdToken(email, password) {
  const base = (config.authUrl || "https://identitytoolkit.googleapis.com").replace(/\/+$/, "");
  const url = `${base}/v1/accounts:signInWithPassword?key=${encodeURIComponent(config.apiKey || "")}`;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    });
  } catch {
    throw new ApiError(0, "network", "Could not reach the sign-in service; check the connection.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok || !data.idToken) {
    // Firebase's message is a code such as "INVALID_PASSWORD" or "TOO_MANY_ATTEMPTS_TRY_LATER : …".
    const code = String((data.error && data.error.message) || "").split(/[ :]/)[0];
    throw new ApiError(response.status, code, FIREBASE_ERRORS[code] || "Sign-in failed. Check your email and password.");
  }
  return data.idToken;
}

function humanError(err) {
  if (!(err instanceof ApiError)) return "Sign-in failed. Try again.";
  if (err.status === 401) return config.mode === "firebase" ? "Wrong email or password." : "Wrong username or password.";
  if (err.status === 403) return "This account is not an operator. Ask a supervisor for the operator role.";
  if (err.status === 422) return config.mode === "firebase" ? "Enter your email and password." : "Enter your username and password.";
  if (err.status >= 500) return "The sign-in service is not answering right now. Try again shortly.";
  return err.message;
}

async function onSubmit(event) {
  event.preventDefault();
  if (Date.now() < lockedUntil) return;
  const account = $("account").value.trim();
  const password = $("password").value;
  if (!account || !password) {
    fail(config.mode === "firebase" ? "Enter your email and password." : "Enter your username and password.");
    (account ? $("password") : $("account")).focus();
    return;
  }
  fail("");
  setBusy(true);
  try {
    const body = config.mode === "firebase"
      ? { id_token: await firebaseIdToken(account, password) }
      : { username: account, password };
    await api("/operator/api/sign-in", { method: "POST", body });
    location.assign(nextPath());
  } catch (err) {
    setBusy(false);
    if (err instanceof ApiError && err.status === 429) {
      lockFor(err.retryAfter || 30);
      return;
    }
    fail(humanError(err));
    $("password").select();
  }
}

async function main() {
  config = await loadConfig();
  const firebase = config.mode === "firebase";
  $("account-label").textContent = firebase ? "Email" : "Username";
  const account = $("account");
  account.type = firebase ? "email" : "text";
  account.autocomplete = firebase ? "email" : "username";
  if (!firebase) {
    $("mode-hint").textContent = "Local mode: make run prints the operator's username and password when it starts.";
    $("mode-hint").hidden = false;
  }
  $("loading").hidden = true;
  $("signin-form").hidden = false;
  $("signin-form").addEventListener("submit", onSubmit);
  document.body.dataset.mode = config.mode;
  account.focus();
}

main();
