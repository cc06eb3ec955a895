import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createWavHeader,
  decodeMulaw,
  decodeMulawSample,
  encodeMulaw,
  encodeMulawSample,
  RateConverter,
  WAV_HEADER_BYTES,
} from '../src/index.js';

describe('G.711 µ-law (ITU-T G.711 Table 2a, 16-bit linear with bias 0x84)', () => {
  it.each([
    [0, 0xff],
    [-1, 0x7f],
    [1, 0xff],
    [8, 0xfe],
    [-8, 0x7e],
    [100, 0xf2],
    [1000, 0xce],
    [-1000, 0x4e],
    [32767, 0x80],
    [32635, 0x80],
    [-32768, 0x00],
    [-32635, 0x00],
  ])('encodes %i as code %i', (sample, code) => {
    expect(encodeMulawSample(sample)).toBe(code);
  });

  it.each([
    [0xff, 0],
    [0x7f, 0],
    [0x80, 32124],
    [0x00, -32124],
    [0xce, 988],
    [0x4e, -988],
    [0xf0, 120],
    [0xef, 132],
  ])('decodes code %i as %i', (code, sample) => {
    expect(decodeMulawSample(code)).toBe(sample);
  });

  it('round-trips every code except negative zero', () => {
    for (let code = 0; code < 256; code++) {
      const back = encodeMulawSample(decodeMulawSample(code));
      expect(back).toBe(code === 0x7f ? 0xff : code);
    }
  });

  it('keeps the quantisation error within half a step of the segment', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (sample) => {
        const decoded = decodeMulawSample(encodeMulawSample(sample));
        const magnitude = Math.min(Math.abs(sample), 32635);
        // Step size doubles per segment: 8 in the first, 1024 in the last (16-bit scale).
        const segment = Math.max(0, Math.floor(Math.log2((magnitude + 0x84) >> 7)));
        const step = 8 << segment;
        return Math.abs(Math.sign(sample) * magnitude - decoded) <= step;
      }),
    );
  });

  it('is monotonic in the sample value', () => {
    let previous = Number.NEGATIVE_INFINITY;
    for (let sample = -32768; sample <= 32767; sample += 7) {
      const decoded = decodeMulawSample(encodeMulawSample(sample));
      expect(decoded).toBeGreaterThanOrEqual(previous);
      previous = decoded;
    }
  });

  it('encodes and decodes arrays sample by sample', () => {
    const samples = Int16Array.from([0, 1000, -1000, 32767]);
    expect([...encodeMulaw(samples)]).toEqual([0xff, 0xce, 0x4e, 0x80]);
    expect([...decodeMulaw(Uint8Array.from([0xff, 0xce, 0x4e, 0x80]))]).toEqual([0, 988, -988, 32124]);
  });
});

describe('RateConverter', () => {
  const tone = (rate: number, hz: number, count: number, start = 0) =>
    Int16Array.from({ length: count }, (_, i) =>
      Math.round(10000 * Math.sin((2 * Math.PI * hz * (start + i)) / rate)),
    );

  it('gives the same output however the input is split', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16_000, 44_100, 48_000, 11_025, 4000),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (rate, sizes) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const input = tone(rate, 300, total);
          const whole = new RateConverter(rate, 8000).convert(input);
          const split = new RateConverter(rate, 8000);
          const pieces: number[] = [];
          let at = 0;
          for (const size of sizes) {
            pieces.push(...split.convert(input.subarray(at, at + size)));
            at += size;
          }
          return pieces.length === whole.length && pieces.every((value, i) => value === whole[i]);
        },
      ),
    );
  });

  it.each([16_000, 48_000, 44_100, 11_025])('turns %i Hz into 8000 samples per second', (rate) => {
    const out = new RateConverter(rate, 8000).convert(tone(rate, 300, rate));
    expect(Math.abs(out.length - 8000)).toBeLessThanOrEqual(1);
  });

  it('keeps a constant level and a tone below 4 kHz', () => {
    const level = new RateConverter(16_000, 8000).convert(new Int16Array(320).fill(1234));
    expect([...level]).toEqual(new Array(160).fill(1234));
    const out = new RateConverter(48_000, 8000).convert(tone(48_000, 300, 48_000));
    // A 300 Hz tone: its peak survives the box filter nearly whole.
    expect(Math.max(...out)).toBeGreaterThan(9500);
    // Zero crossings: 600 per second for 300 Hz.
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if (out[i - 1]! < 0 !== out[i]! < 0) crossings++;
    expect(Math.abs(crossings - 600)).toBeLessThanOrEqual(2);
  });

  it('passes samples through when the rates match', () => {
    const input = Int16Array.from([1, 2, 3]);
    expect(new RateConverter(8000, 8000).convert(input)).toBe(input);
  });
});

describe('createWavHeader', () => {
  it('writes the 44-byte RIFF/WAVE header of a live 16-bit PCM stream', () => {
    const header = createWavHeader(8000, 2);
    expect(header.length).toBe(WAV_HEADER_BYTES);
    const view = new DataView(header.buffer);
    const ascii = (at: number) => String.fromCharCode(...header.subarray(at, at + 4));
    expect([ascii(0), ascii(8), ascii(12), ascii(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(view.getUint32(4, true)).toBe(0xffffffff);
    expect(view.getUint32(40, true)).toBe(0xffffffff);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(2);
    expect(view.getUint32(24, true)).toBe(8000);
    expect(view.getUint32(28, true)).toBe(32000);
    expect(view.getUint16(32, true)).toBe(4);
    expect(view.getUint16(34, true)).toBe(16);
  });
});
