// The voice assistant page: sign in with a PIN, then talk (push-to-talk or hands-free) or type;
// replies are shown and played. Protocol: docs/websocket-protocol.md.
import { AudioPlayer } from "./player.js";
import {
  HandsFreeStreamer,
  PTT_MIME,
  PushToTalkRecorder,
  handsFreeSupport,
  pushToTalkSupport,
} from "./recorder.js";
import { Relay, base64ToBytes, loadRelayUrl } from "./relay.js";
import { $, Chat, ErrorBanner, StatusLine } from "./ui.js";

const HANDS_FREE_RATE = 16000;
const DEBUG_FRAMES_KEPT = 500;

// Read by the browser end-to-end test; cheap to keep.
const debug = {
  framesReceived: [],
  framesSent: [],
  audioChunksReceived: 0,
  lastTranscript: null,
  lastReply: null,
  notices: [], // the provider notices shown
};
window.convonetDebug = debug;

function remember(list, type) {
  list.push(type);
  if (list.length > DEBUG_FRAMES_KEPT) list.splice(0, list.length - DEBUG_FRAMES_KEPT);
}

const state = {
  pin: null, // in memory only, to sign in again after a reconnect
  account: null, // email or phone number that scopes the PIN, if the user gave one
  signedIn: false,
  hadSession: false, // signed in with this PIN before
  reauth: false, // signing in again by itself after a reconnect
  pendingVoice: null, // the chat entry of the push-to-talk utterance being sent
  awaiting: new Set(), // turns started and not answered yet
  ducked: null, // the turn whose reply is quieter while the relay decides on a barge-in
  handsFreeStarted: false, // start_recording (streaming) sent on this connection
  handsFreeSeq: 0,
  handsFreeBusy: false,
  greetings: 0,
  userActed: false, // talked or typed since signing in
};

const chat = new Chat($("chat"));
const status = new StatusLine($("status"));
const errors = new ErrorBanner($("error"));
const player = new AudioPlayer({ onPlayingChange: () => refreshControls() });
const pttProblem = pushToTalkSupport();
const handsFreeProblem = handsFreeSupport();
let relay = null;

function send(frame) {
  const sent = relay !== null && relay.send(frame);
  if (sent) remember(debug.framesSent, frame.type);
  return sent;
}

function providers() {
  const chosen = { stt_provider: $("stt-provider").value, tts_provider: $("tts-provider").value };
  // No model picked: the relay leaves the session without one, and each turn uses the user's
  // saved choice (else the deployment's).
  if ($("llm-provider").value) chosen.llm_provider = $("llm-provider").value;
  return chosen;
}

// ---- controls --------------------------------------------------------------------------------

function refreshControls() {
  const on = state.signedIn;
  $("talk").disabled = !on || Boolean(pttProblem) || handsFree.active;
  $("handsfree").disabled = !handsFree.active && (!on || Boolean(handsFreeProblem));
  $("done-speaking").disabled = !(on && handsFree.active);
  $("text-input").disabled = !on;
  $("send").disabled = !on;
  $("stop").disabled = !(player.playing || state.awaiting.size > 0);
  const hf = $("handsfree");
  hf.setAttribute("aria-pressed", String(handsFree.active));
  hf.textContent = handsFree.active ? "Hands-free: on" : "Hands-free: off";
}

function showSignedIn(name) {
  $("signin").hidden = true;
  $("session").hidden = false;
  $("user-name").textContent = name;
}

function showSignIn(problem) {
  $("signin").hidden = false;
  $("session").hidden = true;
  const el = $("signin-error");
  el.hidden = !problem;
  el.textContent = problem || "";
  if (problem) $("pin").focus();
}

// ---- barge-in --------------------------------------------------------------------------------

// Stop playback now and cancel the turns that were playing. Returns true if anything played.
function bargeIn() {
  const stopped = player.stopAll();
  for (const turnId of stopped) {
    if (!turnId.startsWith("greeting-")) send({ type: "cancel", turn_id: turnId });
  }
  return stopped.length > 0;
}

function stopEverything() {
  bargeIn();
  for (const turnId of state.awaiting) {
    send({ type: "cancel", turn_id: turnId });
    chat.cancelled(turnId);
  }
  state.awaiting.clear();
  status.set("Stopped.");
  refreshControls();
}

// ---- frames from the relay -------------------------------------------------------------------

const STATUS_TEXT = {
  recording: "Listening — release to send.",
  listening: "Hands-free: listening. Just speak.",
  stopped_listening: "Hands-free off.",
  speech_started: "Hearing you…",
  speech_ended: "Got it — transcribing…",
  barge_in: "Stopped. Go ahead.",
  cancelled: "Stopped.",
  "voice providers updated": "Voice providers updated.",
  no_speech: "No speech detected. Try again, a little closer.",
};

// A status this page has no words for: shown if it reads as a sentence, never as a code.
function statusText(message) {
  if (STATUS_TEXT[message]) return STATUS_TEXT[message];
  return /^[a-z0-9_]+$/.test(message) ? null : message;
}

// What each relay error means to the caller. The relay's `message` is for programs and logs;
// only the sign-in refusals (how many attempts are left) and a failed turn's apology are shown.
const ERROR_TEXT = {
  invalid_json: "The page sent something the relay could not read. Reload the page and try again.",
  binary_not_supported: "The page sent something the relay could not read. Reload the page and try again.",
  unknown_type: "The page sent something the relay could not read. Reload the page and try again.",
  invalid_message: "The relay could not take that. Reload the page and try again.",
  frame_too_large: "That was too much to send at once. Try a shorter message.",
  not_authenticated: "Please sign in first.",
  auth_timeout: "Signing in took too long; reconnecting…",
  too_many_connections: "Too many voice assistant pages are open from here. Close one and try again.",
  rate_limited: "That was a lot at once. Please wait a moment, then try again.",
  voice_unavailable: "This relay does not take voice input yet. Please type your message.",
  not_recording: "The recording did not get through. Please try again.",
  already_recording: "The recording did not get through. Please try again.",
  chunk_out_of_order: "The recording did not get through. Please try again.",
  bad_audio: "The recording could not be used. Please try again.",
  unsupported_audio: "This browser records audio in a format the relay cannot take. Please type instead.",
  empty_utterance: "Nothing was recorded. Hold the button while you speak.",
  utterance_too_short: "That was too short to hear. Hold the button while you speak.",
  utterance_too_long: "That recording was too long. Please say it in shorter parts.",
  utterance_too_large: "That recording was too long. Please say it in shorter parts.",
  audio_decode_failed: "The recording could not be read. Please try again.",
  stt_failed: "Your speech could not be turned into text. Please try again, or type.",
  tts_failed: "The reply could not be spoken; it is shown above.",
  turn_failed: "Sorry, something went wrong. Please try that again.",
  internal_error: "Something went wrong on our side. Please try again.",
};
const SOMETHING_WENT_WRONG = "Something went wrong. Please try again.";

function errorText(code, message) {
  if (code === "turn_failed" && message) return message; // the agent's own apology
  return ERROR_TEXT[code] || SOMETHING_WENT_WRONG;
}

// The relay's refusal of a sign-in, after "Sign-in failed: ": "wrong PIN (4 attempts left)" and
// the lockout messages are written for people; a full stop ends them.
function sentence(text) {
  const t = String(text || "").trim();
  if (!t) return "";
  return t + (/[.!?…]$/.test(t) ? "" : ".");
}

// Errors about the audio the page sent; the utterance did not become a turn.
const AUDIO_ERRORS = new Set([
  "voice_unavailable",
  "not_recording",
  "already_recording",
  "chunk_out_of_order",
  "bad_audio",
  "unsupported_audio",
  "empty_utterance",
  "utterance_too_short",
  "utterance_too_long",
  "utterance_too_large",
]);

function onStatus({ message, turn_id: turnId }) {
  if (message === "nothing to cancel") return;
  if (message === "recording" && turnId && state.pendingVoice) {
    chat.bind(state.pendingVoice, turnId); // push-to-talk: the relay names the turn up front
  } else if (message === "speech_ended" && turnId) {
    chat.placeholder(turnId, "(transcribing…)"); // hands-free: the relay ended an utterance
  } else if (message === "maybe_interrupt" && turnId) {
    state.ducked = turnId; // speech over this turn's reply: quieter until the relay decides
    player.duck();
  } else if (message === "speech_started" && player.playing && !state.ducked) {
    bargeIn(); // audio the relay does not track (the greeting): stop it here
  } else if (message === "resume" && turnId) {
    state.ducked = null; // a backchannel, a cough or the reply's echo: the reply goes on
    player.restore();
  } else if (message === "barge_in" && turnId) {
    state.ducked = null;
    player.stopTurn(turnId); // the relay heard the caller interrupt this turn and cancelled it
    player.restore();
  }
  if ((message === "cancelled" || message === "barge_in") && turnId) {
    state.awaiting.delete(turnId);
    refreshControls();
  }
  const text = statusText(message);
  if (text) status.set(text);
}

function onError({ code, message, turn_id: turnId }) {
  if (code === "auth_failed" || code === "auth_locked") {
    const again = state.reauth;
    state.pin = null;
    state.reauth = false;
    state.hadSession = false;
    const what = code === "auth_locked" ? "Sign-in locked" : "Sign-in failed";
    const prefix = again ? "Signing in again after a reconnect failed. " : "";
    showSignIn(`${prefix}${what}: ${sentence(message) || "please try again."}`);
    status.set("Not signed in.");
    return;
  }
  if (code === "already_authenticated" || code === "unknown_turn") return;
  if (code === "invalid_message" && !state.signedIn && state.pin !== null) {
    // The sign-in was refused before the PIN was checked: the account is not one we can read.
    state.pin = null;
    showSignIn("Check the email address or phone number: it must be an email address or a phone number with its country code.");
    status.set("Not signed in.");
    return;
  }
  const text = errorText(code, message);
  if (turnId && code === "tts_failed") {
    status.set(text);
    return;
  }
  if (turnId) {
    // turn_failed, stt_failed, audio_decode_failed, …: the turn ends here.
    state.awaiting.delete(turnId);
    chat.failed(turnId, text);
    status.set("Ready.");
    refreshControls();
    return;
  }
  if (AUDIO_ERRORS.has(code)) {
    if (state.pendingVoice) chat.refused(state.pendingVoice, `(not sent: ${text})`);
    state.pendingVoice = null;
    if (code === "voice_unavailable") {
      if (handsFree.active) stopHandsFree(false);
      if (errors.shown !== code) errors.show(text, code);
      status.set("Ready.");
      return;
    }
  }
  errors.show(text, code);
}

// ---- which provider did the work -------------------------------------------------------------

// Provider ids as the caller knows them (the choices offered in the Providers section).
const PROVIDER_NAMES = {
  llm: {
    anthropic: "Anthropic Claude",
    openai: "OpenAI",
    gemini: "Google Gemini",
    rules: "the built-in offline model",
  },
  stt: { whisper: "Whisper (offline)", deepgram: "Deepgram" },
  tts: { piper: "Piper (offline)", deepgram: "Deepgram" },
};
const PASSED_WHY = {
  not_configured: "is not set up here",
  failed: "could not answer just now",
};
const DID_THE_WORK = {
  llm: "answered",
  stt: "turned your speech into text",
  tts: "spoke the reply",
};
const SELECTS = { llm: "llm-provider", stt: "stt-provider", tts: "tts-provider" };
const lastNotice = { llm: "", stt: "", tts: "" };

function providerName(kind, id) {
  return PROVIDER_NAMES[kind][id] || `“${id}”`;
}

function capitalised(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

function listed(parts) {
  if (parts.length < 2) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

// "OpenAI is not set up here, so the built-in offline model answered."
function passedOverNotice(kind, doneBy, passed) {
  const reasons = passed.map((p) => {
    const why = PASSED_WHY[p.reason] || "could not be used";
    return `${providerName(kind, p.provider)} ${why}`;
  });
  const by = doneBy ? providerName(kind, doneBy) : "another provider";
  return `${capitalised(listed(reasons))}, so ${by} ${DID_THE_WORK[kind]}.`;
}

// Mark a chosen option the relay reported as not set up, so the choice says it will fall back.
function markNotSetUp(kind, provider) {
  const option = $(SELECTS[kind]).querySelector(`option[value="${CSS.escape(provider)}"]`);
  if (!option || option.dataset.notSetUp) return;
  option.dataset.notSetUp = "true";
  option.textContent = `${option.textContent} — not set up here`;
}

// A turn's frame named who did the work and who was passed over first: say so once, in the
// conversation, until the turns stop being passed over.
function onPassedOver(kind, turnId, doneBy, passed) {
  if (!Array.isArray(passed) || passed.length === 0) {
    if (doneBy !== undefined) lastNotice[kind] = "";
    return;
  }
  for (const p of passed) if (p.reason === "not_configured") markNotSetUp(kind, p.provider);
  const text = passedOverNotice(kind, doneBy, passed);
  if (text === lastNotice[kind]) return;
  lastNotice[kind] = text;
  debug.notices.push(text);
  chat.notice(turnId, text);
}

function onAuthOk(frame) {
  state.signedIn = true;
  state.hadSession = true;
  showSignedIn(frame.user_name);
  errors.clear();
  status.set(state.reauth ? "Reconnected and signed in again." : "Signed in. Hold to talk, or type.");
  if (!state.reauth) {
    state.userActed = false;
    chat.markSessionStart();
  }
  if (handsFree.active) startHandsFreeSession();
  refreshControls();
}

function onGreeting(frame) {
  if (state.reauth) return; // signed in again after a reconnect: do not greet again
  state.greetings += 1;
  chat.greeting(frame.text);
  // The greeting can arrive after the user has already started talking or typing; then it is
  // shown but not spoken over them.
  if (frame.data_b64 && !state.userActed) {
    player.push(`greeting-${state.greetings}`, 0, base64ToBytes(frame.data_b64), true);
  }
}

// A frame handled as if the relay had sent it (the browser test shows every error this way).
debug.receive = (frame) => onFrame(frame);

function onFrame(frame) {
  remember(debug.framesReceived, frame.type);
  switch (frame.type) {
    case "auth_ok":
      onAuthOk(frame);
      break;
    case "greeting":
      onGreeting(frame);
      break;
    case "status":
      onStatus(frame);
      break;
    case "processing_start":
      chat.started(frame.turn_id);
      if (state.pendingVoice && chat.turnOf(state.pendingVoice) === frame.turn_id) {
        state.pendingVoice = null;
      }
      state.awaiting.add(frame.turn_id);
      status.set("Thinking…");
      refreshControls();
      break;
    case "transcript_final":
      debug.lastTranscript = frame.text;
      chat.transcript(frame.turn_id, frame.text);
      onPassedOver("stt", frame.turn_id, frame.stt_provider, frame.passed_over);
      if (!frame.text.trim()) {
        state.awaiting.delete(frame.turn_id);
        status.set("No speech detected. Try again, a little closer.");
        refreshControls();
      }
      break;
    case "agent_final":
      debug.lastReply = frame.text;
      state.awaiting.delete(frame.turn_id);
      chat.reply(frame.turn_id, frame.text);
      onPassedOver("llm", frame.turn_id, frame.answered_by, frame.passed_over);
      if (frame.transfer) chat.note("Transferring you to a person…");
      status.set("Ready.");
      refreshControls();
      break;
    case "audio_chunk":
      debug.audioChunksReceived += 1;
      onPassedOver("tts", frame.turn_id, frame.tts_provider, frame.passed_over);
      if (!player.isCancelled(frame.turn_id)) {
        player.push(frame.turn_id, frame.chunk_index, base64ToBytes(frame.data_b64), frame.is_final);
      }
      break;
    case "error":
      onError(frame);
      break;
    default:
      break; // heartbeat_ack and anything newer
  }
}

// ---- connection ------------------------------------------------------------------------------

function authenticate() {
  if (state.pin === null) return;
  const account = state.account ? { account: state.account } : {};
  if (!send({ type: "authenticate", pin: state.pin, ...account, ...providers() })) {
    status.set("Waiting for the relay…");
  }
}

function onOpen() {
  errors.clear();
  if (state.pin !== null) {
    state.reauth = state.hadSession;
    status.set("Connected; signing in…");
    authenticate();
  } else {
    status.set("Connected. Sign in with your PIN.");
  }
}

function onConnectionState(connection, delay) {
  const pill = $("connection");
  if (connection === "open") {
    pill.textContent = "connected";
    pill.className = "pill ok";
    return;
  }
  const wasSignedIn = state.signedIn;
  state.signedIn = false;
  state.handsFreeStarted = false;
  if (recorder.active) {
    recorder.abort();
    resetTalkButton();
  }
  if (state.pendingVoice) chat.refused(state.pendingVoice, "(interrupted: the connection dropped)");
  state.pendingVoice = null;
  state.awaiting.clear();
  if (connection === "connecting") {
    pill.textContent = "connecting…";
    pill.className = "pill wait";
  } else {
    pill.textContent = "reconnecting…";
    pill.className = "pill down";
    const seconds = Math.max(1, Math.round(delay / 1000));
    status.set(
      `${wasSignedIn ? "The connection dropped" : "Cannot reach the relay"}; reconnecting in ${seconds} s…`,
    );
  }
  refreshControls();
}

// ---- push-to-talk ----------------------------------------------------------------------------

const recorder = new PushToTalkRecorder({
  onStart() {
    send({ type: "start_recording", stt_mode: "batch", mime_type: PTT_MIME });
    state.pendingVoice = chat.sent("(speaking…)", true);
    status.set("Listening — release to send.");
  },
  onChunk(sequence, dataB64) {
    send({ type: "audio_chunk", sequence, data_b64: dataB64, mime_type: PTT_MIME });
  },
  onStop() {
    send({ type: "stop_recording" });
    if (state.pendingVoice) chat.pendingText(state.pendingVoice, "(transcribing…)");
    status.set("Transcribing…");
  },
});

function resetTalkButton() {
  const talk = $("talk");
  talk.classList.remove("recording");
  talk.textContent = "Hold to talk";
}

async function talkStart() {
  if (!state.signedIn || recorder.active || handsFree.active || pttProblem) return;
  player.unlock();
  bargeIn();
  state.userActed = true;
  const talk = $("talk");
  talk.classList.add("recording");
  talk.textContent = "Listening… release to send";
  try {
    if (!(await recorder.start())) {
      status.set("Hold the button down while you speak.");
      resetTalkButton();
    }
  } catch (err) {
    resetTalkButton();
    errors.show(err.message, "microphone");
  }
}

function talkStop() {
  if (!recorder.active) return;
  recorder.stop();
  resetTalkButton();
}

function isTextEntry(target) {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}

// ---- hands-free ------------------------------------------------------------------------------

const handsFree = new HandsFreeStreamer({
  onFrame(dataB64) {
    if (!state.handsFreeStarted) return;
    send({ type: "audio_frame", sequence: state.handsFreeSeq++, data_b64: dataB64 });
  },
});

function startHandsFreeSession() {
  if (!state.signedIn) return;
  state.handsFreeSeq = 0;
  state.handsFreeStarted = send({
    type: "start_recording",
    stt_mode: "streaming",
    sample_rate: HANDS_FREE_RATE,
  });
  status.set("Hands-free: listening. Just speak.");
}

function stopHandsFree(tellRelay) {
  handsFree.stop();
  if (tellRelay && state.handsFreeStarted) send({ type: "stop_recording" });
  state.handsFreeStarted = false;
  refreshControls();
}

async function toggleHandsFree() {
  if (state.handsFreeBusy) return;
  if (handsFree.active) {
    stopHandsFree(true);
    status.set("Hands-free off.");
    return;
  }
  state.handsFreeBusy = true;
  state.userActed = true;
  player.unlock();
  try {
    await handsFree.start();
    startHandsFreeSession();
  } catch (err) {
    errors.show(err.message, "microphone");
  } finally {
    state.handsFreeBusy = false;
    refreshControls();
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const pin = $("pin").value.trim();
    if (!/^[0-9]{4,12}$/.test(pin)) {
      showSignIn("The PIN is 4 to 12 digits.");
      return;
    }
    player.unlock();
    state.pin = pin;
    state.account = $("account").value.trim() || null;
    state.reauth = false;
    state.hadSession = false;
    $("pin").value = "";
    $("signin-error").hidden = true;
    status.set("Signing in…");
    authenticate();
  });

  $("signout").addEventListener("click", () => {
    state.pin = null;
    state.account = null;
    state.reauth = false;
    state.hadSession = false;
    if (handsFree.active) stopHandsFree(true);
    player.stopAll();
    showSignIn();
    status.set("Signed out.");
    relay.restart();
  });

  const talk = $("talk");
  talk.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    talk.setPointerCapture(event.pointerId);
    talkStart();
  });
  for (const name of ["pointerup", "pointercancel", "lostpointercapture"]) {
    talk.addEventListener(name, talkStop);
  }
  talk.addEventListener("contextmenu", (event) => event.preventDefault());

  document.addEventListener("keydown", (event) => {
    if (event.code !== "Space" || isTextEntry(event.target)) return;
    if (event.target instanceof HTMLButtonElement && event.target !== talk) return;
    event.preventDefault();
    if (!event.repeat) talkStart();
  });
  document.addEventListener("keyup", (event) => {
    if (event.code !== "Space" || !recorder.active) return;
    event.preventDefault();
    talkStop();
  });
  window.addEventListener("blur", talkStop);

  $("stop").addEventListener("click", stopEverything);
  $("handsfree").addEventListener("click", toggleHandsFree);
  $("done-speaking").addEventListener("click", () => {
    if (send({ type: "end_utterance" })) status.set("Got it — transcribing…");
  });

  $("text-input").addEventListener("input", () => {
    if (player.playing) bargeIn();
  });
  $("text-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text-input");
    const text = input.value.trim();
    if (!text) return;
    player.unlock();
    bargeIn();
    state.userActed = true;
    if (send({ type: "text", text })) {
      chat.sent(text, false);
      input.value = "";
      status.set("Sending…");
    } else {
      errors.show("Not connected; your message was not sent. Reconnecting…", "offline");
    }
  });

  for (const id of ["stt-provider", "tts-provider", "llm-provider"]) {
    $(id).addEventListener("change", () => {
      if (state.signedIn) send({ type: "voice_providers", ...providers() });
    });
  }
}

// A phone or tablet: the main pointer is a finger (coarse, cannot hover). A touch screen on a
// laptop keeps a fine pointer, and so a keyboard is likely there.
function touchFirst() {
  const media = (query) => window.matchMedia && window.matchMedia(query).matches;
  if (media("(pointer: coarse)") || media("(hover: none)")) return true;
  return "ontouchstart" in window && !media("(any-pointer: fine)");
}

function talkHint() {
  if (touchFirst()) return "Press and hold the Hold to talk button while you speak; let go to send.";
  return "Hold the button, or hold the Space key, while you speak; let go to send.";
}

async function main() {
  wire();
  $("talk-help").textContent = talkHint();
  if (pttProblem) $("talk-help").textContent = pttProblem;
  if (handsFreeProblem && !pttProblem) $("talk-help").textContent += ` ${handsFreeProblem}`;
  refreshControls();
  if (typeof WebSocket === "undefined" || typeof AudioContext === "undefined") {
    errors.show("This browser is too old for the voice assistant. Please use a current browser.");
    return;
  }
  let url;
  try {
    url = await loadRelayUrl();
  } catch (err) {
    console.warn("runtime config:", err);
    errors.show("The page could not load its settings. Reload the page to try again.", "config");
    status.set("Not connected.");
    return;
  }
  relay = new Relay(url, { onFrame, onOpen, onState: onConnectionState });
  relay.connect();
}

main();
