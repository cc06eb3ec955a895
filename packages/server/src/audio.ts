/**
 * Audio conversions for `/av?audio=pcmu` and `/audio.wav`: G.711 µ-law (ITU-T G.711 §3,
 * the 16-bit "Sun" formulation with bias 0x84), a streaming rate converter to 8 kHz, and
 * the byte order swap from RTP's big-endian L16 (RFC 2586) to WAV's little-endian PCM.
 */

/** G.711 µ-law bias added before the segment search (33 in 14-bit units, 0x84 in 16-bit). */
const MULAW_BIAS = 0x84;
/** Largest magnitude that still fits the top segment once the bias is added. */
const MULAW_CLIP = 32635;

/** Segment (exponent) of a biased magnitude, indexed by its bits 7..14. */
const MULAW_SEGMENT = new Uint8Array(256);
for (let i = 1, segment = 0; i < 256; i++) {
  if (i >= 1 << (segment + 1)) segment++;
  MULAW_SEGMENT[i] = segment;
}

/** Every µ-law code decoded once, so decoding is a table lookup. */
const MULAW_DECODED = new Int16Array(256);
for (let code = 0; code < 256; code++) {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const magnitude = ((((inverted & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
  MULAW_DECODED[code] = inverted & 0x80 ? -magnitude : magnitude;
}

/** Encodes one 16-bit linear sample as a G.711 µ-law byte (0 → 0xff, 32767 → 0x80, -32768 → 0x00). */
export function encodeMulawSample(sample: number): number {
  let magnitude = sample;
  let sign = 0;
  if (magnitude < 0) {
    sign = 0x80;
    magnitude = -magnitude;
  }
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  const exponent = MULAW_SEGMENT[(magnitude >> 7) & 0xff]!;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Decodes one G.711 µ-law byte to a 16-bit linear sample. */
export function decodeMulawSample(code: number): number {
  return MULAW_DECODED[code & 0xff]!;
}

/** Encodes 16-bit linear samples as µ-law bytes, one byte per sample. */
export function encodeMulaw(samples: Int16Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encodeMulawSample(samples[i]!);
  return out;
}

/** Decodes µ-law bytes to 16-bit linear samples. */
export function decodeMulaw(codes: Uint8Array): Int16Array {
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = MULAW_DECODED[codes[i]!]!;
  return out;
}

/**
 * Reads big-endian L16 bytes (RFC 2586) as samples, mixing `channels` interleaved channels
 * down to mono when `mono` is set. An odd trailing byte is ignored.
 */
export function readL16(body: Uint8Array, channels = 1, mono = false): Int16Array {
  const frameBytes = mono ? 2 * channels : 2;
  const count = Math.floor(body.length / frameBytes);
  const out = new Int16Array(count);
  if (!mono || channels === 1) {
    for (let i = 0, at = 0; i < count; i++, at += 2) out[i] = (body[at]! << 8) | body[at + 1]!;
    return out;
  }
  for (let i = 0, at = 0; i < count; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, at += 2) sum += ((body[at]! << 24) >> 16) | body[at + 1]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Writes samples as big-endian L16 bytes. */
export function writeL16(samples: Int16Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0, at = 0; i < samples.length; i++, at += 2) {
    const sample = samples[i]!;
    out[at] = (sample >> 8) & 0xff;
    out[at + 1] = sample & 0xff;
  }
  return out;
}

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
