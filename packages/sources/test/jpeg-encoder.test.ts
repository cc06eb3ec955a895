import { spawnSync } from 'node:child_process';
import { readJpegInfo } from '@mjpeg-kit/jpeg-scanner';
import { describe, expect, it } from 'vitest';
import { needs, skipWithout } from '../../../test-support/tools.js';
import { BitWriter } from '../src/jpeg-encoder/bit-writer.js';
import { buildHuffmanCodes } from '../src/jpeg-encoder/huffman.js';
import { McuEncoder } from '../src/jpeg-encoder/mcu-encoder.js';
import {
  AC_CHROMINANCE,
  AC_LUMINANCE,
  DC_CHROMINANCE,
  DC_LUMINANCE,
  scaleQuantTable,
  ZIGZAG,
} from '../src/jpeg-encoder/tables.js';
import { TestPatternRenderer } from '../src/synthetic/test-pattern.js';
import { decodeGray, meanRows } from './helpers/jpeg.js';

const noDjpeg = skipWithout('djpeg');
const noFfmpeg = skipWithout('ffmpeg');
const NOON = Date.UTC(2026, 0, 1, 12, 34, 56, 789);

describe('JPEG tables (T.81 Annex K)', () => {
  it.each([
    ['DC luminance', DC_LUMINANCE, 12],
    ['DC chrominance', DC_CHROMINANCE, 12],
    ['AC luminance', AC_LUMINANCE, 162],
    ['AC chrominance', AC_CHROMINANCE, 162],
  ])('%s has %i distinct symbols matching its code counts', (_name, spec, symbols) => {
    expect(spec.symbols).toHaveLength(symbols);
    expect(new Set(spec.symbols).size).toBe(symbols);
    expect(spec.counts.reduce((a, b) => a + b, 0)).toBe(symbols);
  });

  it.each([AC_LUMINANCE, AC_CHROMINANCE])('AC tables code every run/size pair a block can need', (spec) => {
    const { lengths } = buildHuffmanCodes(spec);
    for (let run = 0; run < 16; run++) {
      for (let size = 1; size <= 10; size++) expect(lengths[(run << 4) | size]).toBeGreaterThan(0);
    }
    expect(lengths[0x00]).toBeGreaterThan(0); // EOB
    expect(lengths[0xf0]).toBeGreaterThan(0); // ZRL
  });

  it('builds prefix-free canonical codes', () => {
    const { codes, lengths } = buildHuffmanCodes(AC_LUMINANCE);
    const words = AC_LUMINANCE.symbols.map((s) => codes[s]!.toString(2).padStart(lengths[s]!, '0'));
    const clashes = words.filter((a) => words.some((b) => a !== b && b.startsWith(a)));
    expect(clashes).toEqual([]);
  });

  it('zigzag is a permutation of 0..63 starting 0, 1, 8, 16, 9, 2', () => {
    expect([...ZIGZAG].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(ZIGZAG.slice(0, 6)).toEqual([0, 1, 8, 16, 9, 2]);
    expect(ZIGZAG[63]).toBe(63);
  });

  it('scales quantisation like libjpeg: quality 50 is the base table, 100 is all ones', () => {
    expect(scaleQuantTable([16, 11, 255], 50).subarray(0, 3)).toEqual(Uint8Array.from([16, 11, 255]));
    expect(scaleQuantTable([16, 11, 10], 100).subarray(0, 3)).toEqual(Uint8Array.from([1, 1, 1]));
    expect(scaleQuantTable([16], 1)[0]).toBe(255);
  });
});

describe('BitWriter', () => {
  it('stuffs 00 after FF and pads the last byte with 1-bits (T.81 F.1.2.3)', () => {
    const writer = new BitWriter();
    writer.write(0xff, 8);
    writer.write(0b101, 3);
    expect(Array.from(writer.finish())).toEqual([0xff, 0x00, 0b10111111]);
  });
});

describe('McuEncoder', () => {
  it('codes a flat grey MCU as four DC-only luma blocks and two chroma blocks', () => {
    const bytes = new McuEncoder(75).encode(new Uint8Array(16 * 16 * 3).fill(128));
    // Level-shifted 128 is 0: every DC difference is category 0 and every block is EOB.
    expect(bytes.length).toBeLessThanOrEqual(6);
    expect(bytes.includes(0xff) ? bytes[bytes.indexOf(0xff) + 1] : 0).toBe(0);
  });
});

describe('TestPatternRenderer', () => {
  const renderer = new TestPatternRenderer({ width: 640, height: 480 });

  it('emits SOI, headers with DRI 1, one RSTn between MCUs counting mod 8, then EOI', () => {
    const frame = renderer.render(NOON, 1);
    expect(frame.subarray(0, 2)).toEqual(Uint8Array.from([0xff, 0xd8]));
    expect(frame.subarray(-2)).toEqual(Uint8Array.from([0xff, 0xd9]));
    const info = readJpegInfo(frame);
    expect(info).toMatchObject({
      width: 640,
      height: 480,
      components: 3,
      progressive: false,
      restartInterval: 1,
    });
    expect(info.sampling.map((c) => `${c.h}x${c.v}`)).toEqual(['2x2', '1x1', '1x1']);
    const sos = frame.findIndex((b, i) => b === 0xff && frame[i + 1] === 0xda);
    const markers: number[] = [];
    for (let i = sos + 14; i < frame.length - 2; i++) {
      if (frame[i] === 0xff && frame[i + 1] !== 0x00) markers.push(frame[i + 1]!);
    }
    expect(markers).toHaveLength(40 * 30 - 1);
    expect(markers).toEqual(markers.map((_, i) => 0xd0 + (i % 8)));
  });

  it('gives different bytes for consecutive frames and the same bytes for the same inputs', () => {
    const a = renderer.render(NOON, 7);
    const b = renderer.render(NOON + 33, 8);
    expect(Buffer.compare(a, b)).not.toBe(0);
    expect(Buffer.compare(a, renderer.render(NOON, 7))).toBe(0);
  });

  it('refuses a size below one MCU or not finite with INVALID_OPTION naming it', () => {
    expect(() => new TestPatternRenderer({ width: 8, height: 480 })).toThrow(
      expect.objectContaining({ name: 'SourceError', code: 'INVALID_OPTION', option: 'width' }),
    );
    expect(() => new TestPatternRenderer({ width: 640, height: Number.POSITIVE_INFINITY })).toThrow(
      expect.objectContaining({ name: 'SourceError', code: 'INVALID_OPTION', option: 'height' }),
    );
  });

  it.skipIf(noDjpeg)(`decodes with djpeg at 640×480, 1280×720 and an odd 100×50 ${needs('djpeg')}`, () => {
    for (const [width, height] of [
      [640, 480],
      [1280, 720],
      [100, 50],
    ] as const) {
      const frame = new TestPatternRenderer({ width, height }).render(NOON, 123456);
      const image = decodeGray(frame);
      expect([image.width, image.height]).toEqual([width, height]);
    }
  });

  it.skipIf(noDjpeg)(`draws a white flash over all but the text band ${needs('djpeg')}`, () => {
    const normal = decodeGray(renderer.render(NOON, 1, false));
    const flash = decodeGray(renderer.render(NOON, 1, true));
    expect(meanRows(flash, 0, 440)).toBeGreaterThan(250);
    expect(meanRows(normal, 0, 440)).toBeLessThan(160);
    // The text band (counter and clock) stays in both.
    expect(Math.abs(meanRows(flash, 448, 480) - meanRows(normal, 448, 480))).toBeLessThan(1);
  });

  it.skipIf(noDjpeg)(`moves the slider and changes the digits with time ${needs('djpeg')}`, () => {
    const a = decodeGray(renderer.render(NOON, 1));
    const b = decodeGray(renderer.render(NOON + 500, 2));
    // Track rows 400..432: the slider moved 80 px, so the brightest column moved.
    const brightest = (image: typeof a) => {
      let best = 0;
      let at = -1;
      for (let x = 0; x < image.width; x++) {
        const value = image.pixels[416 * image.width + x]!;
        if (value > best) [best, at] = [value, x];
      }
      return at;
    };
    expect(brightest(b) - brightest(a)).toBeGreaterThanOrEqual(78);
    expect(brightest(b) - brightest(a)).toBeLessThanOrEqual(82);
    expect(meanRows(a, 448, 480)).not.toBe(meanRows(b, 448, 480));
  });

  it.skipIf(noFfmpeg)(`decodes cleanly with ffmpeg (no warnings) ${needs('ffmpeg')}`, () => {
    const result = spawnSync('ffmpeg', ['-v', 'warning', '-i', 'pipe:0', '-f', 'null', '-'], {
      input: renderer.render(NOON, 99, false),
    });
    expect(result.status).toBe(0);
    expect(result.stderr.toString()).toBe('');
  });
});
