/**
 * The audio sample formats mjpeg-kit carries: G.711 µ-law (ITU-T G.711 §3, in the 16-bit "Sun"
 * formulation with bias 0x84) and big-endian L16 (RFC 2586), read into 16-bit integers (for
 * transcoding) or floats in [-1, 1) (for Web Audio), with interleaved channels mixed down to mono.
 *
 * Every conversion is a table lookup or a shift per sample into one output array. The tables
 * are built on first use, so importing this module costs nothing.
 */

/** G.711 µ-law bias added before the segment search (33 in 14-bit units, 0x84 in 16-bit). */
const MULAW_BIAS = 0x84;
/** Largest magnitude that still fits the top segment once the bias is added. */
const MULAW_CLIP = 32635;
/** Full scale of a signed 16-bit sample, so floats land in [-1, 1). */
const INT16_SCALE = 1 / 32768;

/** Segment (exponent) of a biased magnitude, indexed by its bits 7..14. */
let mulawSegments: Uint8Array | undefined;
/** Every µ-law code decoded once: the one source of the decoded values. */
let mulawDecoded: Int16Array | undefined;
/** {@link mulawDecoded} scaled to floats, for decoding straight to Web Audio samples. */
let mulawDecodedFloat: Float32Array | undefined;

function getMulawSegments(): Uint8Array {
  if (mulawSegments !== undefined) return mulawSegments;
  const table = new Uint8Array(256);
  for (let i = 1, segment = 0; i < 256; i++) {
    if (i >= 1 << (segment + 1)) segment++;
    table[i] = segment;
  }
  mulawSegments = table;
  return table;
}

function getMulawDecoded(): Int16Array {
  if (mulawDecoded !== undefined) return mulawDecoded;
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    // G.711 §2: code words are transmitted inverted; sign bit, 3-bit segment, 4-bit step.
    const inverted = ~code & 0xff;
    const exponent = (inverted >> 4) & 0x07;
    const magnitude = ((((inverted & 0x0f) << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    table[code] = inverted & 0x80 ? -magnitude : magnitude;
  }
  mulawDecoded = table;
  return table;
}

function getMulawDecodedFloat(): Float32Array {
  if (mulawDecodedFloat !== undefined) return mulawDecodedFloat;
  const decoded = getMulawDecoded();
  const table = new Float32Array(256);
  for (let code = 0; code < 256; code++) table[code] = decoded[code]! * INT16_SCALE;
  mulawDecodedFloat = table;
  return table;
}

function encodeWith(segments: Uint8Array, sample: number): number {
  let magnitude = sample;
  let sign = 0;
  if (magnitude < 0) {
    sign = 0x80;
    magnitude = -magnitude;
  }
  if (magnitude > MULAW_CLIP) magnitude = MULAW_CLIP;
  magnitude += MULAW_BIAS;
  const exponent = segments[(magnitude >> 7) & 0xff]!;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** A channel count as a positive integer (1 for anything below 1 or not a number). */
function toChannelCount(channels: number): number {
  return channels >= 1 ? Math.floor(channels) : 1;
}

/**
 * Encodes one 16-bit linear sample as a G.711 µ-law byte (0 → `0xff`, 32767 → `0x80`,
 * -32768 → `0x00`); magnitudes above 32635 clip to the top step.
 */
export function encodeMulawSample(sample: number): number {
  return encodeWith(getMulawSegments(), sample);
}

/** Decodes one G.711 µ-law byte to a 16-bit linear sample (`0x80` → 32124, `0xff` → 0). */
export function decodeMulawSample(code: number): number {
  return getMulawDecoded()[code & 0xff]!;
}

/** Encodes 16-bit linear samples as µ-law bytes, one byte per sample. */
export function encodeMulaw(samples: Int16Array): Uint8Array<ArrayBuffer> {
  const segments = getMulawSegments();
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encodeWith(segments, samples[i]!);
  return out;
}

/**
 * Decodes µ-law bytes to 16-bit linear samples. With `channels` above 1 the interleaved
 * channels are mixed down to mono (see {@link mixToMono}); with 1 (the default) every byte
 * becomes one sample.
 */
export function decodeMulaw(codes: Uint8Array, channels = 1): Int16Array<ArrayBuffer> {
  const table = getMulawDecoded();
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return channels > 1 ? mixToMono(out, channels) : out;
}

/**
 * Decodes µ-law bytes to mono floats in [-1, 1), averaging `channels` interleaved channels
 * (default 1). An incomplete last sample frame is ignored.
 */
export function decodeMulawFloat32(codes: Uint8Array, channels = 1): Float32Array<ArrayBuffer> {
  const channelCount = toChannelCount(channels);
  if (channelCount > 1) return mixToMonoFloat32(decodeMulaw(codes), channelCount);
  const table = getMulawDecodedFloat();
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/**
 * Reads big-endian L16 bytes (RFC 2586: signed 16-bit, network byte order) as samples. With
 * `channels` above 1 the interleaved channels are mixed down to mono (see {@link mixToMono});
 * with 1 (the default) every byte pair becomes one sample. A trailing odd byte is ignored.
 */
export function readL16(body: Uint8Array, channels = 1): Int16Array<ArrayBuffer> {
  const count = body.length >> 1;
  const out = new Int16Array(count);
  // The Int16Array store keeps the low 16 bits, so the sign needs no extension here.
  for (let i = 0, at = 0; i < count; i++, at += 2) out[i] = (body[at]! << 8) | body[at + 1]!;
  return channels > 1 ? mixToMono(out, channels) : out;
}

/**
 * Reads big-endian L16 bytes as mono floats in [-1, 1), averaging `channels` interleaved
 * channels (default 1). A trailing odd byte or an incomplete last sample frame is ignored.
 */
export function readL16Float32(body: Uint8Array, channels = 1): Float32Array<ArrayBuffer> {
  const channelCount = toChannelCount(channels);
  if (channelCount > 1) return mixToMonoFloat32(readL16(body), channelCount);
  const count = body.length >> 1;
  const out = new Float32Array(count);
  for (let i = 0, at = 0; i < count; i++, at += 2) {
    out[i] = (((body[at]! << 24) >> 16) | body[at + 1]!) * INT16_SCALE;
  }
  return out;
}

/** Writes 16-bit samples as big-endian L16 bytes (RFC 2586), two bytes per sample. */
export function writeL16(samples: Int16Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0, at = 0; i < samples.length; i++, at += 2) {
    const sample = samples[i]!;
    out[at] = (sample >> 8) & 0xff;
    out[at + 1] = sample & 0xff;
  }
  return out;
}

/**
 * Mixes `channels` interleaved channels down to one: each output sample is the mean of one
 * sample frame, rounded to the nearest integer. An incomplete last frame is ignored; with one
 * channel the input comes back as it is.
 */
export function mixToMono<TBuffer extends ArrayBufferLike>(
  samples: Int16Array<TBuffer>,
  channels: number,
): Int16Array<TBuffer | ArrayBuffer> {
  const channelCount = toChannelCount(channels);
  if (channelCount === 1) return samples;
  const out = new Int16Array(Math.floor(samples.length / channelCount));
  for (let i = 0, at = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channelCount; c++, at++) sum += samples[at]!;
    out[i] = Math.round(sum / channelCount);
  }
  return out;
}

/** The float form of {@link mixToMono}: the mean of each sample frame, scaled to [-1, 1), not rounded. */
function mixToMonoFloat32(samples: Int16Array, channelCount: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(Math.floor(samples.length / channelCount));
  const scale = INT16_SCALE / channelCount;
  for (let i = 0, at = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channelCount; c++, at++) sum += samples[at]!;
    out[i] = sum * scale;
  }
  return out;
}
