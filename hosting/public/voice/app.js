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
};

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
  } else if (message === "speech_started" && player.playing) {
    bargeIn();
  } else if (message === "barge_in" && turnId) {
    player.stopTurn(turnId); // the relay heard speech over this turn's audio and cancelled it
  }
  if ((message === "cancelled" || message === "barge_in") && turnId) {
    state.awaiting.delete(turnId);
    refreshControls();
  }
  status.set(STATUS_TEXT[message] || message);
}

function onError({ code, message, turn_id: turnId }) {
  if (code === "auth_failed" || code === "auth_locked") {
    const again = state.reauth;
    state.pin = null;
    state.reauth = false;
    state.hadSession = false;
    const what = code === "auth_locked" ? "Sign-in locked" : "Sign-in failed";
    const prefix = again ? "Signing in again after a reconnect failed. " : "";
    showSignIn(`${prefix}${what}: ${message}`); // the code is for programs, not callers
    status.set("Not signed in.");
    return;
  }
  if (code === "already_authenticated") return;
  if (turnId && code === "tts_failed") {
    status.set("The reply could not be spoken; it is shown above.");
    return;
  }
  if (turnId) {
    // turn_failed, stt_failed, audio_decode_failed, …: the turn ends here.
    state.awaiting.delete(turnId);
    chat.failed(turnId, message);
    status.set("Ready.");
    refreshControls();
    return;
  }
  if (AUDIO_ERRORS.has(code)) {
    if (state.pendingVoice) chat.refused(state.pendingVoice, `(not sent: ${message})`);
    state.pendingVoice = null;
    if (code === "voice_unavailable") {
      if (handsFree.active) stopHandsFree(false);
      if (errors.shown !== code) {
        errors.show("This relay does not take voice input yet. Please type your message.", code);
      }
      status.set("Ready.");
      return;
    }
  }
  errors.show(message, code);
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
      if (frame.transfer) chat.note("Transferring you to a person…");
      status.set("Ready.");
      refreshControls();
      break;
    case "audio_chunk":
      debug.audioChunksReceived += 1;
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

async function main() {
  wire();
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
    errors.show(`The page could not load its settings: ${err.message}`, "config");
    status.set("Not connected.");
    return;
  }
  relay = new Relay(url, { onFrame, onOpen, onState: onConnectionState });
  relay.connect();
}

main();
