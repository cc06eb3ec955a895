import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeL16, decodePcmu, LinearResampler } from '../src/dom.js';

/** Reference G.711 µ-law encoder (the classic Sun g711.c algorithm), to check our decoder against. */
function encodeUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let sign = 0;
  if (sample < 0) {
    sample = -sample;
    sign = 0x80;
  }
  if (sample > CLIP) sample = CLIP;
  sample += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (sample & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (sample >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

describe('decodeL16', () => {
  it.each([
    [[0x00, 0x00], 0],
    [[0x7f, 0xff], 32767 / 32768],
    [[0x80, 0x00], -1],
    [[0x00, 0x01], 1 / 32768],
    [[0xff, 0xff], -1 / 32768],
    [[0x12, 0x34], 0x1234 / 32768],
  ])('reads big-endian sample %j as %f (RFC 2586)', (bytes, expected) => {
    expect(Array.from(decodeL16(new Uint8Array(bytes)))).toEqual([expected]);
  });

  it('ignores a trailing odd byte', () => {
    expect(decodeL16(new Uint8Array([0x40, 0x00, 0x7f])).length).toBe(1);
  });

  it('averages interleaved stereo into mono and ignores an incomplete frame', () => {
    const out = decodeL16(new Uint8Array([0x40, 0x00, 0x20, 0x00, 0x10, 0x00]), 2);
    expect(Array.from(out)).toEqual([(0x4000 + 0x2000) / 2 / 32768]);
  });

  it('reads a view into a larger buffer at an odd offset', () => {
    const backing = new Uint8Array([0xaa, 0x01, 0x00, 0xbb]);
    expect(Array.from(decodeL16(backing.subarray(1, 3)))).toEqual([256 / 32768]);
  });
});

describe('decodePcmu', () => {
  it.each([
    [0xff, 0],
    [0x7f, 0],
    [0x80, 32124 / 32768],
    [0x00, -32124 / 32768],
    [0xfe, 8 / 32768],
    [0x7e, -8 / 32768],
  ])('decodes code word 0x%s per G.711 Table 2a', (code, expected) => {
    expect(decodePcmu(new Uint8Array([code]))[0]).toBeCloseTo(expected, 9);
  });

  it('inverts the reference encoder within one quantisation step', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32635, max: 32635 }), (sample) => {
        const decoded = decodePcmu(new Uint8Array([encodeUlaw(sample)]))[0]! * 32768;
        // µ-law steps grow with magnitude: 2^(exponent+3) at most 1024 for the top segment.
        const exponent = Math.max(0, Math.floor(Math.log2((Math.abs(sample) + 0x84) >> 7)));
        expect(Math.abs(decoded - sample)).toBeLessThanOrEqual(2 ** (exponent + 3));
      }),
    );
  });

  it('averages interleaved channels', () => {
    expect(decodePcmu(new Uint8Array([0x80, 0xff]), 2)[0]).toBeCloseTo(32124 / 2 / 32768, 9);
  });
});

describe('LinearResampler', () => {
  it('passes samples through unchanged at equal rates', () => {
    const input = new Float32Array([0.1, -0.2, 0.3]);
    expect(Array.from(new LinearResampler(48000, 48000).process(input))).toEqual(Array.from(input));
  });

  it('interpolates 8 kHz up to 48 kHz with six outputs per input', () => {
    const resampler = new LinearResampler(8000, 48000);
    const first = resampler.process(new Float32Array([0, 0.6]));
    expect(first.length).toBe(7);
    expect(first[3]).toBeCloseTo(0.3, 6);
    const second = resampler.process(new Float32Array([1.2]));
    // Phase carries across blocks: the samples between 0.6 and 1.2 come out of the second block.
    expect(second.length).toBe(6);
    expect(second[0]).toBeCloseTo(0.7, 6);
    expect(second[5]).toBeCloseTo(1.2, 6);
  });

  it('gives the same output however the input is split into blocks', () => {
    fc.assert(
      fc.property(
        fc.constantFrom([8000, 48000], [16000, 44100], [48000, 16000], [44100, 48000]),
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        ([from, to], samples, sizes) => {
          const input = Float32Array.from(samples);
          const whole = new LinearResampler(from!, to!).process(input);
          const split = new LinearResampler(from!, to!);
          const parts: number[] = [];
          let at = 0;
          for (let i = 0; at < input.length; i++) {
            const size = sizes[i % sizes.length]!;
            parts.push(...split.process(input.subarray(at, at + size)));
            at += size;
          }
          expect(parts.length).toBe(whole.length);
          // Bit-identical except the sign of zero: at a block's end the right neighbour is not
          // known yet, so -0 + (+0) may give +0 where the whole block gave -0 (inaudible).
          const unsignedZero = (x: number) => x + 0;
          expect(parts.map(unsignedZero)).toEqual(Array.from(whole, unsignedZero));
        },
      ),
    );
  });

  it('keeps the duration: 1 s at 8 kHz becomes 1 s at 44.1 kHz', () => {
    const resampler = new LinearResampler(8000, 44100);
    let total = 0;
    for (let i = 0; i < 50; i++) total += resampler.process(new Float32Array(160)).length;
    expect(Math.abs(total - 44100)).toBeLessThanOrEqual(6);
  });

  it('refuses a zero or infinite rate with INVALID_OPTION naming it', () => {
    expect(() => new LinearResampler(0, 48000)).toThrow(
      expect.objectContaining({ name: 'PlayerError', code: 'INVALID_OPTION', option: 'fromHz' }),
    );
    expect(() => new LinearResampler(8000, Number.POSITIVE_INFINITY)).toThrow(
      expect.objectContaining({ name: 'PlayerError', code: 'INVALID_OPTION', option: 'toHz' }),
    );
  });
});
