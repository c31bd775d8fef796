// DOM helpers: the conversation (keyed by turn_id), the status line and the error banner.

export const $ = (id) => document.getElementById(id);

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

  show(text, code) {
    this.el.replaceChildren();
    if (code) {
      const c = document.createElement("code");
      c.textContent = code;
      this.el.append(c, " ");
    }
    this.el.append(text);
    this.el.hidden = false;
    this.shown = code || text;
  }

  clear() {
    this.el.hidden = true;
    this.el.replaceChildren();
    this.shown = "";
  }
}
