/**
 * Building blocks for replaying a vector every way a network may cut it (whole, byte by byte, at every
 * offset, fixed-size feeds, seeded random splits). Each package keeps its own replay wrapper,
 * which decides the ways and compares the outcomes; these only cut the bytes.
 */

/** A small seeded PRNG (mulberry32) returning floats in [0, 1), so random splits replay identically. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `input` cut at `cuts` (any order; duplicates and offsets outside 1..length-1 are ignored, so no
 * piece is empty unless `input` is). Pieces are `subarray` views.
 */
export function splitAt(input: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= start || cut >= input.length) continue;
    chunks.push(input.subarray(start, cut));
    start = cut;
  }
  chunks.push(input.subarray(start));
  return chunks;
}

/** `input` in pieces of `size` bytes (the last may be shorter); `subarray` views. */
export function splitEvery(input: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < input.length; start += size) chunks.push(input.subarray(start, start + size));
  return chunks;
}
