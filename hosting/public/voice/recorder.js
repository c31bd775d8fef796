// Microphone capture: push-to-talk (MediaRecorder, WebM/Opus chunks) and hands-free
// (an AudioWorklet that sends 16 kHz mono int16 PCM frames).
import { blobToBase64, bytesToBase64 } from "./relay.js";

export const PTT_MIME = "audio/webm;codecs=opus";
const TIMESLICE_MS = 250;

export class MicError extends Error {}

export function pushToTalkSupport() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return "This page cannot use the microphone here: it needs a recent browser and a secure (https) page. You can still type.";
  }
  if (typeof MediaRecorder === "undefined" || !MediaRecorder.isTypeSupported(PTT_MIME)) {
    return "This browser cannot record WebM/Opus audio for push-to-talk. Use hands-free mode or type instead.";
  }
  return null;
}

export function handsFreeSupport() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return "This page cannot use the microphone here: it needs a recent browser and a secure (https) page.";
  }
  if (typeof AudioWorkletNode === "undefined") {
    return "This browser does not support AudioWorklet, which hands-free mode needs. Use push-to-talk or type.";
  }
  return null;
}

function explain(err) {
  switch (err && err.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Microphone access was denied. Allow the microphone for this site in the browser's settings (the icon next to the address), then try again — or type instead.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again, or type instead.";
    case "NotReadableError":
    case "AbortError":
      return "The microphone could not be started; another application may be using it.";
    default:
      return `The microphone could not be used: ${(err && err.message) || err}`;
  }
}

async function openMic(constraints) {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: constraints });
  } catch (err) {
    throw new MicError(explain(err));
  }
}

function stopTracks(stream) {
  if (stream) stream.getTracks().forEach((track) => track.stop());
}

// One push-to-talk utterance per start()/stop(). Callbacks, in order:
// onStart() before the first chunk, onChunk(sequence, b64) for every non-empty blob
// (chunk 0 holds the WebM header), onStop() after the last chunk has been handed over.
export class PushToTalkRecorder {
  constructor({ onStart, onChunk, onStop }) {
    this.callbacks = { onStart, onChunk, onStop };
    this.recorder = null;
    this.stream = null;
    this.wanted = false;
    this.aborted = false;
  }

  get active() {
    return this.wanted || this.recorder !== null;
  }

  // Resolves true once recording, false if stop() came before the microphone was ready.
  async start() {
    this.wanted = true;
    this.aborted = false;
    let stream;
    try {
      stream = await openMic({ echoCancellation: true, noiseSuppression: true });
    } catch (err) {
      this.wanted = false;
      throw err;
    }
    if (!this.wanted) {
      stopTracks(stream);
      return false;
    }
    const recorder = new MediaRecorder(stream, { mimeType: PTT_MIME });
    this.stream = stream;
    this.recorder = recorder;
    let sequence = 0;
    let chain = Promise.resolve();
    recorder.ondataavailable = (event) => {
      const blob = event.data;
      if (!blob || blob.size === 0) return;
      chain = chain.then(async () => {
        const b64 = await blobToBase64(blob);
        if (!this.aborted) this.callbacks.onChunk(sequence++, b64);
      });
    };
    recorder.onstop = () => {
      chain = chain.then(() => {
        stopTracks(stream);
        if (this.recorder === recorder) this.recorder = null;
        if (!this.aborted) this.callbacks.onStop();
      });
    };
    this.callbacks.onStart();
    recorder.start(TIMESLICE_MS);
    return true;
  }

  stop() {
    this.wanted = false;
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
  }

  // Stop without sending anything more (for example when the socket dropped).
  abort() {
    this.aborted = true;
    this.stop();
    stopTracks(this.stream);
    this.recorder = null;
  }
}

// Hands-free: frames of 16 kHz mono little-endian int16 PCM, about 20 ms each.
export class HandsFreeStreamer {
  constructor({ onFrame }) {
    this.onFrame = onFrame;
    this.context = null;
    this.stream = null;
    this.node = null;
  }

  get active() {
    return this.context !== null;
  }

  async start() {
    const stream = await openMic({
      channelCount: 1,
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
    const context = new AudioContext();
    try {
      await context.audioWorklet.addModule("/voice/pcm-worklet.js");
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, "pcm16k-downsampler", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { targetRate: 16000, frameSamples: 320 },
      });
      node.port.onmessage = (event) => this.onFrame(bytesToBase64(event.data));
      source.connect(node);
      node.connect(context.destination); // the node outputs silence; this keeps it running
      await context.resume();
      this.stream = stream;
      this.context = context;
      this.node = node;
    } catch (err) {
      stopTracks(stream);
      context.close();
      throw new MicError(`Hands-free audio could not start: ${err.message || err}`);
    }
  }

  stop() {
    if (this.node) this.node.port.onmessage = null;
    stopTracks(this.stream);
    if (this.context) this.context.close();
    this.context = null;
    this.stream = null;
    this.node = null;
  }
}
