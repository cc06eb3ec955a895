import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMulaw,
  decodeMulawFloat32,
  decodeMulawSample,
  encodeMulaw,
  encodeMulawSample,
  mixToMono,
  readL16,
  readL16Float32,
  writeL16,
} from '../src/index.js';

/**
 * The reference µ-law encoder of Sun's g711.c (the segment found by shifting a mask, not by a
 * table), so the table-driven encoder is checked against an independent formulation.
 */
function referenceEncode(sample: number): number {
  let magnitude = sample;
  let sign = 0;
  if (magnitude < 0) {
    magnitude = -magnitude;
    sign = 0x80;
  }
  if (magnitude > 32635) magnitude = 32635;
  magnitude += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

describe('G.711 µ-law decoding (ITU-T G.711 Table 2a, 16-bit scale = 14-bit values × 4)', () => {
  // Each segment's first and last step: 0, 2, 30 | 33, 93 | 99, 219 | … | 4191, 8031 in 14 bits.
  it.each([
    [0xff, 0],
    [0xfe, 8],
    [0xf0, 120],
    [0xef, 132],
    [0xe0, 372],
    [0xdf, 396],
    [0xd0, 876],
    [0xcf, 924],
    [0xc0, 1884],
    [0xbf, 1980],
    [0xb0, 3900],
    [0xaf, 4092],
    [0xa0, 7932],
    [0x9f, 8316],
    [0x90, 15996],
    [0x8f, 16764],
    [0x80, 32124],
    [0x7f, 0],
    [0x7e, -8],
    [0x6f, -132],
    [0x00, -32124],
  ])('decodes code 0x%s as %i', (code, sample) => {
    expect(decodeMulawSample(code)).toBe(sample);
    expect([...decodeMulaw(Uint8Array.of(code))]).toEqual([sample]);
    expect(decodeMulawFloat32(Uint8Array.of(code))[0]).toBe(sample / 32768);
  });
});

describe('G.711 µ-law encoding', () => {
  // Decision values: the first step (14-bit 1, × 4) and each segment edge (14-bit 31, 95, 223,
  // 479, 991, 2015, 4063, × 4).
  it.each([
    [0, 0xff],
    [3, 0xff],
    [4, 0xfe],
    [11, 0xfe],
    [12, 0xfd],
    [123, 0xf0],
    [124, 0xef],
    [379, 0xe0],
    [380, 0xdf],
    [891, 0xd0],
    [892, 0xcf],
    [1915, 0xc0],
    [1916, 0xbf],
    [3963, 0xb0],
    [3964, 0xaf],
    [8059, 0xa0],
    [8060, 0x9f],
    [16251, 0x90],
    [16252, 0x8f],
    [32635, 0x80],
    [32767, 0x80],
    [-1, 0x7f],
    [-124, 0x6f],
    [-32768, 0x00],
  ])('encodes %i as code %i', (sample, code) => {
    expect(encodeMulawSample(sample)).toBe(code);
    expect([...encodeMulaw(Int16Array.of(sample))]).toEqual([code]);
  });

  it('matches the reference encoder for every 16-bit sample', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    const codes = encodeMulaw(all);
    const mismatches: number[] = [];
    for (let i = 0; i < all.length; i++) {
      if (codes[i] !== referenceEncode(all[i]!)) mismatches.push(all[i]!);
    }
    expect(mismatches).toEqual([]);
  });

  it('round-trips all 256 codes (negative zero 0x7f comes back as 0xff)', () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const back = encodeMulaw(decodeMulaw(codes));
    const expected = Array.from(codes, (code) => (code === 0x7f ? 0xff : code));
    expect([...back]).toEqual(expected);
  });
});

describe('L16 (RFC 2586: signed 16-bit, big-endian)', () => {
  it.each([
    [[0x00, 0x00], 0],
    [[0x12, 0x34], 0x1234],
    [[0x00, 0x01], 1],
    [[0x01, 0x00], 256],
    [[0x7f, 0xff], 32767],
    [[0x80, 0x00], -32768],
    [[0xff, 0xfe], -2],
  ])('reads bytes %j as %i', (bytes, sample) => {
    expect([...readL16(Uint8Array.from(bytes))]).toEqual([sample]);
    expect([...readL16Float32(Uint8Array.from(bytes))]).toEqual([sample / 32768]);
  });

  it('writes the high byte first', () => {
    expect([...writeL16(Int16Array.of(0x1234, -2, -32768))]).toEqual([0x12, 0x34, 0xff, 0xfe, 0x80, 0x00]);
  });

  it('round-trips any samples through writeL16 and readL16', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 })), (values) => {
        const samples = Int16Array.from(values);
        expect([...readL16(writeL16(samples))]).toEqual([...samples]);
      }),
    );
  });

  it('ignores a trailing odd byte', () => {
    expect([...readL16(Uint8Array.of(0x40, 0x00, 0x7f))]).toEqual([0x4000]);
    expect(readL16Float32(Uint8Array.of(0x40, 0x00, 0x7f))).toHaveLength(1);
  });

  it('reads a view into a larger buffer at an odd offset', () => {
    const backing = Uint8Array.of(0xaa, 0x01, 0x00, 0xbb);
    expect([...readL16(backing.subarray(1, 3))]).toEqual([256]);
    expect([...readL16Float32(backing.subarray(1, 3))]).toEqual([256 / 32768]);
  });
});

describe('mono mix-down', () => {
  it('averages each stereo frame, rounding to the nearest integer (halves up)', () => {
    expect([...mixToMono(Int16Array.of(1, 2, 3, 4, -1, -2, 32767, 32767), 2)]).toEqual([2, 4, -1, 32767]);
  });

  it('ignores an incomplete last frame', () => {
    expect([...mixToMono(Int16Array.of(30, 60, 90, 1, 2), 3)]).toEqual([60]);
  });

  it('returns one-channel samples as they are', () => {
    const samples = Int16Array.of(1, 2, 3);
    expect(mixToMono(samples, 1)).toBe(samples);
  });

  it('mixes interleaved L16 and µ-law while reading them', () => {
    const stereo = writeL16(Int16Array.of(0x4000, 0x2000, 101, 100, 7));
    expect([...readL16(stereo, 2)]).toEqual([0x3000, 101]);
    expect([...readL16Float32(stereo, 2)]).toEqual([0x3000 / 32768, 100.5 / 32768]);
    const codes = Uint8Array.of(0x80, 0xff, 0x00, 0x80, 0x9f);
    expect([...decodeMulaw(codes, 2)]).toEqual([16062, 0]);
    expect([...decodeMulawFloat32(codes, 2)]).toEqual([16062 / 32768, 0]);
  });

  it('treats a channel count below 1 as one channel', () => {
    expect([...readL16Float32(writeL16(Int16Array.of(8, 16)), 0)]).toEqual([8 / 32768, 16 / 32768]);
    expect([...decodeMulawFloat32(Uint8Array.of(0xfe), Number.NaN)]).toEqual([8 / 32768]);
  });
});
