import type { HuffmanSpec } from './tables.js';

/** Code and length per symbol, built from a DHT spec (T.81 Annex C, Figures C.1–C.3). */
export interface HuffmanCodes {
  readonly codes: Uint16Array;
  readonly lengths: Uint8Array;
}

/** Derives the canonical code of every symbol of `spec`. */
export function buildHuffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const codes = new Uint16Array(256);
  const lengths = new Uint8Array(256);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const count = spec.counts[length - 1]!;
    for (let i = 0; i < count; i++) {
      const symbol = spec.symbols[k++]!;
      codes[symbol] = code++;
      lengths[symbol] = length;
    }
    code <<= 1;
  }
  return { codes, lengths };
}
