// AudioWorklet: mixes the microphone to mono, downsamples it to 16 kHz (averaging the input
// samples that fall in each output sample, a simple low-pass) and posts frames of little-endian
// int16 PCM (320 samples = 20 ms) to the page as transferable ArrayBuffers.

class Pcm16kDownsampler extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.ratio = sampleRate / (opts.targetRate || 16000);
    this.frameSamples = opts.frameSamples || 320;
    this.frame = new DataView(new ArrayBuffer(this.frameSamples * 2));
    this.filled = 0;
    this.sum = 0;
    this.count = 0;
    this.last = 0;
    this.phase = 0;
  }

  emit(value) {
    const clamped = Math.max(-1, Math.min(1, value));
    const int = clamped < 0 ? clamped * 0x8000 : clamped * 0x7fff;
    this.frame.setInt16(this.filled * 2, Math.round(int), true);
    this.filled += 1;
    if (this.filled === this.frameSamples) {
      const buffer = this.frame.buffer;
      this.port.postMessage(buffer, [buffer]);
      this.frame = new DataView(new ArrayBuffer(this.frameSamples * 2));
      this.filled = 0;
    }
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    const length = input[0].length;
    for (let i = 0; i < length; i += 1) {
      let sample = 0;
      for (let c = 0; c < channels; c += 1) sample += input[c][i];
      sample /= channels;
      this.sum += sample;
      this.count += 1;
      this.phase += 1;
      while (this.phase >= this.ratio) {
        this.phase -= this.ratio;
        if (this.count > 0) this.last = this.sum / this.count;
        this.sum = 0;
        this.count = 0;
        this.emit(this.last);
      }
    }
    return true;
  }
}

registerProcessor("pcm16k-downsampler", Pcm16kDownsampler);
