// Gapless playback of the relay's audio: each chunk is a complete WAV, decoded and scheduled
// back to back in chunk_index order. Turns play one after another in the order their audio
// arrived; a stopped (cancelled) turn is dropped and its later chunks are ignored.

const LEAD_S = 0.05; // scheduling margin for the first chunk after silence
const STALL_MS = 5000;
const DUCK_LEVEL = 0.2; // the volume while the relay decides whether the caller interrupted // a turn with no new audio this long stops holding up the next one

export class AudioPlayer {
  constructor({ onPlayingChange } = {}) {
    this.onPlayingChange = onPlayingChange || (() => {});
    this.context = null;
    this.turns = new Map(); // turn id -> state
    this.order = []; // turn ids waiting or playing, oldest first
    this.cancelled = new Set();
    this.playhead = 0;
    this.wasPlaying = false;
  }

  // Create or resume the AudioContext; call from a user gesture so autoplay rules allow sound.
  unlock() {
    if (!this.context) {
      this.context = new AudioContext();
      this.gain = this.context.createGain(); // one volume for all replies: ducked on maybe_interrupt
      this.gain.connect(this.context.destination);
    }
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
    return this.context;
  }

  isCancelled(turnId) {
    return this.cancelled.has(turnId);
  }

  // True while audio is playing or waiting to play.
  get playing() {
    return this.turns.size > 0;
  }

  push(turnId, chunkIndex, bytes, isFinal) {
    if (this.cancelled.has(turnId)) return false;
    const context = this.unlock();
    let turn = this.turns.get(turnId);
    if (!turn) {
      turn = { next: 0, finalIndex: null, ready: new Map(), sources: new Set(), lastSeen: 0 };
      this.turns.set(turnId, turn);
      this.order.push(turnId);
    }
    turn.lastSeen = performance.now();
    if (isFinal) turn.finalIndex = chunkIndex;
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    context
      .decodeAudioData(copy)
      .then((buffer) => buffer, () => null) // an undecodable chunk is skipped, not fatal
      .then((buffer) => {
        if (this.turns.get(turnId) !== turn) return;
        turn.ready.set(chunkIndex, buffer);
        this.pump();
      });
    this.notify();
    return true;
  }

  pump() {
    const context = this.context;
    while (this.order.length > 0) {
      const turnId = this.order[0];
      const turn = this.turns.get(turnId);
      while (turn.ready.has(turn.next)) {
        const buffer = turn.ready.get(turn.next);
        turn.ready.delete(turn.next);
        turn.next += 1;
        if (buffer) this.schedule(turnId, turn, buffer);
      }
      const complete = turn.finalIndex !== null && turn.next > turn.finalIndex;
      const stalled =
        this.order.length > 1 && performance.now() - turn.lastSeen > STALL_MS &&
        this.playhead <= context.currentTime;
      if (!complete && !stalled) break;
      this.order.shift();
      if (turn.sources.size === 0) this.turns.delete(turnId);
      else turn.finished = true;
      if (stalled) this.cancelled.add(turnId); // its late chunks would play out of place
    }
    this.notify();
  }

  schedule(turnId, turn, buffer) {
    const context = this.context;
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.gain || context.destination);
    const start = Math.max(context.currentTime + LEAD_S, this.playhead);
    source.start(start);
    this.playhead = start + buffer.duration;
    turn.sources.add(source);
    source.onended = () => {
      turn.sources.delete(source);
      if (turn.finished && turn.sources.size === 0 && this.turns.get(turnId) === turn) {
        this.turns.delete(turnId);
      }
      this.notify();
    };
  }

  // Stop everything now; the stopped turns' later chunks are ignored. Returns their ids.
  stopAll() {
    const stopped = [...this.turns.keys()];
    for (const turnId of stopped) this.stopTurn(turnId);
    return stopped;
  }

  stopTurn(turnId) {
    this.cancelled.add(turnId);
    const turn = this.turns.get(turnId);
    this.turns.delete(turnId);
    this.order = this.order.filter((id) => id !== turnId);
    if (turn) {
      for (const source of turn.sources) {
        source.onended = null;
        try {
          source.stop();
        } catch {
          /* already stopped */
        }
      }
    }
    if (this.turns.size === 0 && this.context) this.playhead = this.context.currentTime;
    this.notify();
  }

  // The caller may be interrupting: lower the volume until the relay decides.
  duck(level = DUCK_LEVEL) {
    if (this.gain) this.gain.gain.setTargetAtTime(level, this.context.currentTime, 0.02);
  }

  // Not an interruption after all (or the turn was stopped): full volume again.
  restore() {
    if (this.gain) this.gain.gain.setTargetAtTime(1, this.context.currentTime, 0.05);
  }

  notify() {
    const playing = this.turns.size > 0;
    if (playing !== this.wasPlaying) {
      this.wasPlaying = playing;
      this.onPlayingChange(playing);
    }
  }
}
