/**
 * Audio conversions for `/av?audio=pcmu` and `/audio.wav`: a streaming rate converter to
 * 8 kHz, the byte order swap from RTP's big-endian L16 (RFC 2586) to WAV's little-endian PCM,
 * and the streaming WAV header. The sample formats themselves (µ-law, L16, mix-down) are
 * `@mjpeg-kit/bytes`'s.
 */

/** Swaps each byte pair: big-endian L16 to little-endian PCM (or back). An odd last byte is dropped. */
export function swapBytePairs(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const length = body.length & ~1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 2) {
    out[i] = body[i + 1]!;
    out[i + 1] = body[i]!;
  }
  return out;
}

/**
 * A streaming sample rate converter for mono 16-bit audio. Downsampling averages each
 * output sample's window of input samples (a box filter, weighted at the window edges),
 * which keeps most aliasing out without a FIR; upsampling interpolates linearly. State
 * carries across calls, so packets of any size join without clicks.
 */
export class RateConverter {
  readonly inputRateHz: number;
  readonly outputRateHz: number;
  readonly #step: number;
  #sum = 0;
  #filled = 0;
  #position = 0;
  #previous = 0;

  constructor(inputRateHz: number, outputRateHz: number) {
    if (!(inputRateHz > 0) || !(outputRateHz > 0)) throw new RangeError('sample rates must be positive');
    this.inputRateHz = inputRateHz;
    this.outputRateHz = outputRateHz;
    this.#step = inputRateHz / outputRateHz;
  }

  /** Converts the next samples; returns the output samples they completed. */
  convert(samples: Int16Array): Int16Array {
    if (this.#step === 1) return samples;
    return this.#step > 1 ? this.#downsample(samples) : this.#upsample(samples);
  }

  #downsample(samples: Int16Array): Int16Array {
    const step = this.#step;
    const out = new Int16Array(Math.ceil((samples.length + this.#filled) / step) + 1);
    let count = 0;
    let sum = this.#sum;
    let filled = this.#filled;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      let weight = 1;
      while (weight > 0) {
        const take = Math.min(weight, step - filled);
        sum += sample * take;
        filled += take;
        weight -= take;
        if (filled >= step - 1e-9) {
          out[count++] = Math.max(-32768, Math.min(32767, Math.round(sum / step)));
          sum = 0;
          filled = 0;
        }
      }
    }
    this.#sum = sum;
    this.#filled = filled;
    return out.subarray(0, count);
  }

  #upsample(samples: Int16Array): Int16Array {
    const step = this.#step;
    const out = new Int16Array(Math.ceil((samples.length + 1) / step) + 1);
    let count = 0;
    // #position is where the next output sample falls, in input samples after #previous.
    let position = this.#position;
    let previous = this.#previous;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      while (position < 1) {
        out[count++] = Math.round(previous + (sample - previous) * position);
        position += step;
      }
      position -= 1;
      previous = sample;
    }
    this.#position = position;
    this.#previous = previous;
    return out.subarray(0, count);
  }
}

/** Bytes of the streaming WAV header: 44 bytes, RIFF and data sizes 0xFFFFFFFF (unknown length). */
export const WAV_HEADER_BYTES = 44;

/**
 * The RIFF/WAVE header of a live 16-bit PCM stream. Both size fields hold 0xFFFFFFFF, the
 * value players take as "until the stream ends".
 */
export function createWavHeader(sampleRateHz: number, channels: number): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(WAV_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) header[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 0xffffffff, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size for PCM
  view.setUint16(20, 1, true); // WAVE_FORMAT_PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * channels * 2, true); // byte rate
  view.setUint16(32, channels * 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, 0xffffffff, true);
  return header;
}
