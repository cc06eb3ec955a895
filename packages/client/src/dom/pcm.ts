/** Full scale of a signed 16-bit sample, so decoded floats land in [-1, 1). */
const INT16_SCALE = 1 / 32768;

/** G.711 µ-law bias (ITU-T G.711 Table 2a). */
const ULAW_BIAS = 0x84;

/** The 256 µ-law code words decoded once, as floats; G.711 decoding is a table lookup. */
const ULAW_TABLE: Float32Array = buildUlawTable();

function buildUlawTable(): Float32Array {
  const table = new Float32Array(256);
  for (let code = 0; code < 256; code++) {
    // G.711 §2: code words are transmitted inverted; sign bit, 3-bit segment, 4-bit step.
    const inverted = ~code & 0xff;
    const exponent = (inverted >> 4) & 0x07;
    const mantissa = inverted & 0x0f;
    const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    table[code] = (inverted & 0x80 ? -magnitude : magnitude) * INT16_SCALE;
  }
  return table;
}

/**
 * Decodes `audio/L16` bytes (RFC 2586: signed 16-bit, big-endian, interleaved channels) into one
 * mono channel of floats in [-1, 1). Several channels are averaged. A trailing odd byte or an
 * incomplete last sample frame is ignored.
 *
 * @param body - the packet body.
 * @param channels - interleaved channel count (default 1).
 */
export function decodeL16(body: Uint8Array, channels = 1): Float32Array<ArrayBuffer> {
  const channelCount = Math.max(1, Math.floor(channels));
  const frames = Math.floor(body.length / (2 * channelCount));
  const out = new Float32Array(frames);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (channelCount === 1) {
    for (let i = 0; i < frames; i++) out[i] = view.getInt16(i * 2, false) * INT16_SCALE;
    return out;
  }
  const scale = INT16_SCALE / channelCount;
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    const base = i * 2 * channelCount;
    for (let c = 0; c < channelCount; c++) sum += view.getInt16(base + c * 2, false);
    out[i] = sum * scale;
  }
  return out;
}

/**
 * Decodes `audio/PCMU` bytes (G.711 µ-law, one byte per sample, interleaved channels) into one mono
 * channel of floats in [-1, 1). Several channels are averaged.
 *
 * @param body - the packet body.
 * @param channels - interleaved channel count (default 1).
 */
export function decodePcmu(body: Uint8Array, channels = 1): Float32Array<ArrayBuffer> {
  const channelCount = Math.max(1, Math.floor(channels));
  const frames = Math.floor(body.length / channelCount);
  const out = new Float32Array(frames);
  if (channelCount === 1) {
    for (let i = 0; i < frames; i++) out[i] = ULAW_TABLE[body[i]!]!;
    return out;
  }
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    const base = i * channelCount;
    for (let c = 0; c < channelCount; c++) sum += ULAW_TABLE[body[base + c]!]!;
    out[i] = sum / channelCount;
  }
  return out;
}

/**
 * Linear-interpolation resampler for one channel that keeps its phase across blocks, so packets
 * resampled one by one join without clicks. Good enough for speech-band camera audio (8–16 kHz up
 * to the 44.1/48 kHz of an AudioContext); it does not low-pass before downsampling.
 */
export class LinearResampler {
  /** Input rate, Hz (rounded to an integer so the phase arithmetic stays exact). */
  readonly fromHz: number;
  /** Output rate, Hz (rounded to an integer). */
  readonly toHz: number;
  /**
   * Position of the next output sample relative to the next block, in units of 1/toHz input
   * samples: an integer, so splitting the input anywhere gives bit-identical output. May be
   * negative (down to -toHz): the next output lies between the previous block's last sample and
   * this block's first.
   */
  #phase = 0;
  /** The last sample of the previous block. */
  #previous = 0;

  /**
   * @param fromHz - input rate, samples per second.
   * @param toHz - output rate, samples per second.
   */
  constructor(fromHz: number, toHz: number) {
    this.fromHz = Math.round(fromHz);
    this.toHz = Math.round(toHz);
    if (!(this.fromHz > 0) || !(this.toHz > 0)) {
      throw new RangeError(`sample rates must be positive (got ${fromHz}, ${toHz})`);
    }
  }

  /** Resamples one block; the output length follows the accumulated phase, not only `input.length`. */
  process(input: Float32Array): Float32Array<ArrayBuffer> {
    const length = input.length;
    if (length === 0) return new Float32Array(0);
    if (this.fromHz === this.toHz) return new Float32Array(input);
    const to = this.toHz;
    const step = this.fromHz;
    const lastPhase = (length - 1) * to;
    let phase = this.#phase;
    const count = phase > lastPhase ? 0 : Math.floor((lastPhase - phase) / step) + 1;
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const index = Math.floor(phase / to);
      const fraction = (phase - index * to) / to;
      const left = index < 0 ? this.#previous : input[index]!;
      const right = index + 1 < length ? input[index + 1]! : left;
      out[i] = left + (right - left) * fraction;
      phase += step;
    }
    this.#phase = phase - length * to;
    this.#previous = input[length - 1]!;
    return out;
  }

  /** Forgets the phase and the previous sample (after a gap or a rate change). */
  reset(): void {
    this.#phase = 0;
    this.#previous = 0;
  }
}
