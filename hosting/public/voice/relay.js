// The WebSocket to the relay: JSON frames, heartbeat, and reconnect with backoff.

const HEARTBEAT_MS = 20000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

export async function loadRelayUrl() {
  const response = await fetch("/runtime-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`runtime config: HTTP ${response.status}`);
  const config = await response.json();
  if (!config.relayUrl) throw new Error("runtime config has no relayUrl");
  return config.relayUrl;
}

export class Relay {
  // onFrame(frame), onOpen(), onState(state, detail) where state is
  // "connecting" | "open" | "reconnecting"; detail is the retry delay in ms.
  constructor(url, { onFrame, onOpen, onState }) {
    this.url = url;
    this.onFrame = onFrame;
    this.onOpen = onOpen;
    this.onState = onState;
    this.ws = null;
    this.attempt = 0;
    this.heartbeat = null;
    this.retryTimer = null;
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.onState("connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.heartbeat = setInterval(() => this.send({ type: "heartbeat" }), HEARTBEAT_MS);
      this.onState("open");
      this.onOpen();
    };
    ws.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // the relay only sends JSON; ignore anything else
      }
      if (frame && typeof frame.type === "string") this.onFrame(frame);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return; // replaced by restart()
      clearInterval(this.heartbeat);
      this.ws = null;
      this.scheduleReconnect();
    };
  }

  scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt += 1;
    this.onState("reconnecting", delay);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // A fresh connection now (a connection can only sign in once).
  restart() {
    const old = this.ws;
    this.ws = null;
    clearInterval(this.heartbeat);
    if (old) old.close();
    this.attempt = 0;
    this.connect();
  }

  send(frame) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}

// Base64 of bytes (an ArrayBuffer or a typed array), in slices to keep the call stack small.
export function bytesToBase64(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(b64) {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function blobToBase64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(",") + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
