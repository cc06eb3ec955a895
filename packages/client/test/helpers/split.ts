import fc from 'fast-check';

/** Cuts `data` at `offsets` (sorted, deduplicated, inside the data). */
export function cut(data: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const offset of [...new Set(offsets)].sort((a, b) => a - b)) {
    if (offset <= from || offset >= data.length) continue;
    chunks.push(data.subarray(from, offset));
    from = offset;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

/** Fixed-size feeds. */
export function every(data: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return chunks;
}

/** A tiny seeded PRNG (mulberry32) so random splits repeat. */
export function seeded(seed: number): () => number {
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
 * Every way the package's parsers are fed in tests (STYLE.md): whole, in 1- and 7-byte
 * feeds, split in two at every offset (inputs up to 8 KiB), in 16 KiB chunks and seeded
 * random splits for larger ones. Yields `[label, chunks]`.
 */
export function* feedings(data: Uint8Array): Generator<[string, Uint8Array[]]> {
  yield ['whole', [data]];
  yield ['1-byte feeds', every(data, 1)];
  yield ['7-byte feeds', every(data, 7)];
  if (data.length <= 8192) {
    for (let offset = 1; offset < data.length; offset++) yield [`split at ${offset}`, cut(data, [offset])];
  } else {
    yield ['16 KiB chunks', every(data, 16384)];
  }
  const random = seeded(data.length);
  for (let run = 0; run < 200; run++) {
    const count = 1 + Math.floor(random() * 12);
    const offsets = Array.from({ length: count }, () => 1 + Math.floor(random() * (data.length - 1)));
    yield [`seeded random split ${run}`, cut(data, offsets)];
  }
}

/** fast-check arbitrary of split offsets for `data`. */
export function splitOffsets(data: Uint8Array): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, data.length - 1) }), { maxLength: 20 });
}
