// The microphone's audio, downsampled to 16 kHz mono 16-bit PCM for the voice socket.
// Runs on the audio thread: averages the input over each output sample's span (a box
// low-pass, enough for speech recognition), and posts 20 ms of Int16 samples at a time.
class Downsample16k extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / 16000; // input samples per output sample
    this.carry = 0; // input samples already counted into the output sample being made
    this.sum = 0;
    this.count = 0; // input samples in `sum`
    this.out = new Int16Array(320);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    const length = input[0].length;
    for (let i = 0; i < length; i++) {
      let value = 0;
      for (let c = 0; c < channels; c++) value += input[c][i];
      this.sum += value / channels;
      this.count += 1;
      this.carry += 1;
      if (this.carry >= this.ratio) {
        const mean = this.sum / this.count;
        this.carry -= this.ratio; // keep the fraction: the rate is exact over time
        this.sum = 0;
        this.count = 0;
        const clipped = Math.max(-1, Math.min(1, mean));
        this.out[this.filled++] = clipped < 0 ? clipped * 0x8000 : clipped * 0x7fff;
        if (this.filled === this.out.length) {
          this.port.postMessage(this.out.buffer, [this.out.buffer]);
          this.out = new Int16Array(320);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("downsample-16k", Downsample16k);
