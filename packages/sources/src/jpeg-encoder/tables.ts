/**
 * Baseline JPEG tables from ITU-T T.81 Annex K: the example quantisation tables (K.1) and
 * the typical Huffman tables (K.3), which every decoder handles and which code a test
 * pattern well enough that optimised tables would not pay for their complexity.
 */

/** Annex K.1, Table K.1: luminance quantisation, natural (row-major) order. */
export const LUMINANCE_QUANT: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Annex K.1, Table K.2: chrominance quantisation, natural order. */
export const CHROMINANCE_QUANT: readonly number[] = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];

/** A Huffman table as DHT carries it: code counts per length 1..16, then symbols. */
export interface HuffmanSpec {
  readonly counts: readonly number[];
  readonly symbols: readonly number[];
}

/** Symbols `first..last` of one AC "row" (same run, sizes 1..10 or a subset). */
function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let v = first; v <= last; v++) out.push(v);
  return out;
}

/** Table K.3: luminance DC differences. */
export const DC_LUMINANCE: HuffmanSpec = {
  counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
  symbols: range(0, 11),
};

/** Table K.4: chrominance DC differences. */
export const DC_CHROMINANCE: HuffmanSpec = {
  counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
  symbols: range(0, 11),
};

/** Table K.5: luminance AC coefficients (162 run/size symbols). */
export const AC_LUMINANCE: HuffmanSpec = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01,
    0x02,
    0x03,
    0x00,
    0x04,
    0x11,
    0x05,
    0x12,
    0x21,
    0x31,
    0x41,
    0x06,
    0x13,
    0x51,
    0x61,
    0x07,
    0x22,
    0x71,
    0x14,
    0x32,
    0x81,
    0x91,
    0xa1,
    0x08,
    0x23,
    0x42,
    0xb1,
    0xc1,
    0x15,
    0x52,
    0xd1,
    0xf0,
    0x24,
    0x33,
    0x62,
    0x72,
    0x82,
    0x09,
    0x0a,
    0x16,
    0x17,
    0x18,
    0x19,
    0x1a,
    0x25,
    0x26,
    0x27,
    0x28,
    0x29,
    0x2a,
    ...range(0x34, 0x3a),
    ...range(0x43, 0x4a),
    ...range(0x53, 0x5a),
    ...range(0x63, 0x6a),
    ...range(0x73, 0x7a),
    ...range(0x83, 0x8a),
    ...range(0x92, 0x9a),
    ...range(0xa2, 0xaa),
    ...range(0xb2, 0xba),
    ...range(0xc2, 0xca),
    ...range(0xd2, 0xda),
    ...range(0xe1, 0xea),
    ...range(0xf1, 0xfa),
  ],
};

/** Table K.6: chrominance AC coefficients (162 run/size symbols). */
export const AC_CHROMINANCE: HuffmanSpec = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00,
    0x01,
    0x02,
    0x03,
    0x11,
    0x04,
    0x05,
    0x21,
    0x31,
    0x06,
    0x12,
    0x41,
    0x51,
    0x07,
    0x61,
    0x71,
    0x13,
    0x22,
    0x32,
    0x81,
    0x08,
    0x14,
    0x42,
    0x91,
    0xa1,
    0xb1,
    0xc1,
    0x09,
    0x23,
    0x33,
    0x52,
    0xf0,
    0x15,
    0x62,
    0x72,
    0xd1,
    0x0a,
    0x16,
    0x24,
    0x34,
    0xe1,
    0x25,
    0xf1,
    0x17,
    0x18,
    0x19,
    0x1a,
    0x26,
    0x27,
    0x28,
    0x29,
    0x2a,
    ...range(0x35, 0x3a),
    ...range(0x43, 0x4a),
    ...range(0x53, 0x5a),
    ...range(0x63, 0x6a),
    ...range(0x73, 0x7a),
    ...range(0x82, 0x8a),
    ...range(0x92, 0x9a),
    ...range(0xa2, 0xaa),
    ...range(0xb2, 0xba),
    ...range(0xc2, 0xca),
    ...range(0xd2, 0xda),
    ...range(0xe2, 0xea),
    ...range(0xf2, 0xfa),
  ],
};

/** Zigzag scan (T.81 Figure 5): `ZIGZAG[k]` is the natural index of the k-th coefficient. */
export const ZIGZAG: readonly number[] = (() => {
  const order: number[] = [];
  for (let s = 0; s < 15; s++) {
    // Odd diagonals run top-right to bottom-left; even ones the other way.
    for (let i = 0; i <= s; i++) {
      const row = s % 2 === 1 ? i : s - i;
      const col = s - row;
      if (row < 8 && col < 8) order.push(row * 8 + col);
    }
  }
  return order;
})();

/**
 * Scales a base table to an IJG quality (1..100), clamped to baseline's 1..255, as
 * libjpeg's `jpeg_quality_scaling` does, so "quality 80" means what users expect.
 */
export function scaleQuantTable(base: readonly number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - q * 2;
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = Math.min(255, Math.max(1, Math.floor((base[i]! * scale + 50) / 100)));
  return out;
}
