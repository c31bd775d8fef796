// DOM helpers: the conversation (keyed by turn_id), the status line and the error banner.

export const $ = (id) => document.getElementById(id);

// The conversation grew: if its section now ends below the screen (so its controls are pinned
// over the newest messages), scroll the page just enough to show all of it, never scrolling
// its top off the screen. A page the user scrolled elsewhere is left where it is.
function keepInView(section) {
  if (!section) return;
  const box = section.getBoundingClientRect();
  const below = box.bottom - window.innerHeight;
  if (below > 0 && box.top < window.innerHeight) window.scrollBy(0, Math.max(0, Math.min(below, box.top)));
}

function message(role, text, extraClass) {
  const li = document.createElement("li");
  li.className = `msg ${role}${extraClass ? ` ${extraClass}` : ""}`;
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = role === "user" ? "You" : "Assistant";
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  li.append(who, body);
  return li;
}

function setText(li, text, extraClass) {
  li.querySelector(".text").textContent = text;
  li.classList.remove("pending", "empty", "failed");
  if (extraClass) li.classList.add(extraClass);
}

export class Chat {
  constructor(list) {
    this.list = list;
    this.turns = new Map(); // turn_id -> { user, agent }
    this.waiting = []; // user messages sent, not yet given a turn_id by processing_start
    this.sessionStart = null; // the last message before this sign-in
  }

  add(li, after) {
    if (after && after.parentNode === this.list) after.after(li);
    else this.list.append(li);
    this.list.scrollTop = this.list.scrollHeight;
    keepInView(this.list.closest("section"));
    return li;
  }

  // A typed message or a recorded utterance, before the relay has named its turn.
  sent(text, pending) {
    const entry = { user: this.add(message("user", text, pending ? "pending" : "")), agent: null };
    this.waiting.push(entry);
    return entry;
  }

  // processing_start: a turn not named earlier is the oldest waiting message (typed turns are
  // named only here); with nothing waiting, a placeholder is added.
  started(turnId) {
    if (this.turns.has(turnId)) return;
    const entry = this.waiting.shift();
    if (entry) this.bind(entry, turnId);
    else this.placeholder(turnId, "…");
  }

  // A turn the user did not send from this page's queue (hands-free utterances).
  placeholder(turnId, text) {
    if (this.turns.has(turnId)) return;
    const entry = { user: this.add(message("user", text, "pending")), agent: null, turnId };
    this.turns.set(turnId, entry);
  }

  // The relay named the turn of a waiting message before processing_start.
  bind(entry, turnId) {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
    entry.turnId = turnId;
    this.turns.set(turnId, entry);
  }

  turnOf(entry) {
    return entry.turnId || null;
  }

  pendingText(entry, text) {
    entry.user.querySelector(".text").textContent = text;
  }

  // The turn ended in an error: on the user's side while it was still being transcribed.
  failed(turnId, text) {
    const entry = this.entry(turnId);
    if (entry.user.classList.contains("pending")) setText(entry.user, `(${text})`, "failed");
    else this.reply(turnId, text, "failed");
  }

  // Drop a waiting message the relay refused (it never got a turn).
  refused(entry, note) {
    const index = this.waiting.indexOf(entry);
    if (index >= 0) this.waiting.splice(index, 1);
    if (entry.turnId) this.turns.delete(entry.turnId);
    setText(entry.user, note, "failed");
  }

  entry(turnId) {
    if (!this.turns.has(turnId)) this.placeholder(turnId, "…");
    return this.turns.get(turnId);
  }

  transcript(turnId, text) {
    const entry = this.entry(turnId);
    if (text.trim()) setText(entry.user, text);
    else setText(entry.user, "No speech detected", "empty");
  }

  reply(turnId, text, extraClass) {
    const entry = this.entry(turnId);
    if (entry.agent) setText(entry.agent, text, extraClass);
    else entry.agent = this.add(message("agent", text, extraClass), entry.user);
  }

  // The turn's reply was thinking; it was cancelled before an answer came.
  cancelled(turnId) {
    const entry = this.turns.get(turnId);
    if (entry && !entry.agent) entry.agent = this.add(message("agent", "(stopped)", "empty"), entry.user);
  }

  note(text) {
    this.add(message("agent", text));
  }

  // A plain note about how the turn was handled (a provider passed over), after its messages.
  notice(turnId, text) {
    const entry = this.turns.get(turnId);
    const li = message("agent", text, "notice");
    li.querySelector(".who").textContent = "Note";
    const after = entry ? entry.agent || entry.user : null;
    this.add(li, after);
    return li;
  }

  // Where this sign-in's conversation starts: the greeting goes there even if it arrives late.
  markSessionStart() {
    this.sessionStart = this.list.lastElementChild;
  }

  greeting(text) {
    const li = message("agent", text, "greeting");
    if (this.sessionStart && this.sessionStart.parentNode === this.list) this.sessionStart.after(li);
    else this.list.prepend(li);
    this.list.scrollTop = this.list.scrollHeight;
  }
}

export class StatusLine {
  constructor(el) {
    this.el = el;
  }

  set(text) {
    this.el.textContent = text;
  }
}

export class ErrorBanner {
  constructor(el) {
    this.el = el;
    this.shown = "";
  }

  // `code` says what the problem is to the page (and to tests, as data-code); the caller reads
  // only `text`.
  show(text, code) {
    this.el.textContent = text;
    if (code) this.el.dataset.code = code;
    else delete this.el.dataset.code;
    this.el.hidden = false;
    this.shown = code || text;
  }

  clear() {
    this.el.hidden = true;
    this.el.replaceChildren();
    delete this.el.dataset.code;
    this.shown = "";
  }
}
