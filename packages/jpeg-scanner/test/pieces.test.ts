import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { JpegScanner, scanJpegFrames } from '../src/index.js';
import {
  corpusNames,
  describeFrames,
  join,
  readCorpus,
  sameFrames,
  scanChunks,
  scanChunksAsPieces,
  splitAt,
} from './helpers.js';

const frames = corpusNames.map((name) => readCorpus(name));
const a = readCorpus('cjpeg-420.jpg');
const b = readCorpus('exif-thumbnail-mm.jpg');

describe("frames: 'pieces' (views of the pushed chunks, no copy)", () => {
  it('returns a frame inside one chunk as one view of it', () => {
    const input = join(new Uint8Array([1, 2, 3]), a);
    const [frame] = new JpegScanner({ frames: 'pieces' }).push(input);
    expect(frame).toHaveLength(1);
    expect(frame![0]!.buffer).toBe(input.buffer);
    expect(frame![0]!.byteOffset).toBe(3);
    expect(sameFrames(frame!, [a])).toBe(true);
  });

  it('hands over a chunk that lies wholly inside a frame as it is', () => {
    const scanner = new JpegScanner({ frames: 'pieces' });
    const first = a.subarray(0, 100);
    const middle = a.subarray(100, 200);
    const last = a.subarray(200);
    const out = [...scanner.push(first), ...scanner.push(middle), ...scanner.push(last)];
    expect(out).toHaveLength(1);
    expect(out[0]).toHaveLength(3);
    expect(out[0]![0]).toBe(first);
    expect(out[0]![1]).toBe(middle);
    expect(out[0]![2]).toBe(last);
  });

  it('returns a repaired frame with the appended FF D9 as its own last piece', () => {
    const noEoi = a.subarray(0, a.length - 2);
    const out = new JpegScanner({ frames: 'pieces', repairMissingEoi: true }).push(join(noEoi, b));
    expect(out).toHaveLength(2);
    expect([...out[0]!.at(-1)!]).toEqual([0xff, 0xd9]);
    expect(sameFrames([join(...out[0]!)], [a])).toBe(true);
  });

  it('gives, at random splits of hostile input, pieces that join to the contiguous frames with the same counters (fast-check)', () => {
    const piece = fc.oneof(
      fc.nat(frames.length - 1).map((index) => frames[index]!),
      fc
        .tuple(fc.nat(frames.length - 1), fc.nat())
        .map(([index, cut]) => frames[index]!.subarray(0, 1 + (cut % frames[index]!.length))),
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom(
        new Uint8Array([0xff, 0xd8]),
        new Uint8Array([0xff]),
        new Uint8Array([0xff, 0xd9]),
        new Uint8Array([0xff, 0xda, 0x00, 0x08]),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.boolean(),
        (parts, rawCuts, repairMissingEoi) => {
          const input = join(...parts);
          const cuts = rawCuts.map((cut) => cut % Math.max(1, input.length));
          const chunks = splitAt(input, cuts);
          const contiguous = scanChunks(chunks, { repairMissingEoi });
          // scanChunksAsPieces also checks that every piece is a view of a pushed chunk.
          const asPieces = scanChunksAsPieces(chunks, { repairMissingEoi });
          if (!sameFrames(asPieces.frames, contiguous.frames)) {
            expect(describeFrames(asPieces.frames)).toEqual(describeFrames(contiguous.frames));
          }
          expect(asPieces.stats).toEqual(contiguous.stats);
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });

  it('types the frames by the option: Uint8Array[] for pieces, Uint8Array otherwise', () => {
    expectTypeOf(new JpegScanner({ frames: 'pieces' }).push(a)).toEqualTypeOf<Uint8Array[][]>();
    expectTypeOf(new JpegScanner({ maxFrameBytes: 1e6 }).push(a)).toEqualTypeOf<Uint8Array[]>();
    expectTypeOf(new JpegScanner().end()).toEqualTypeOf<Uint8Array[]>();
    expectTypeOf(scanJpegFrames(new ReadableStream(), { frames: 'pieces' })).toEqualTypeOf<
      AsyncGenerator<Uint8Array[], void, undefined>
    >();
    expect(new JpegScanner({ frames: 'contiguous' }).push(a)).toEqual([a]);
  });

  it('refuses an unknown frame form up front', () => {
    expect(() => new JpegScanner({ frames: 'chunks' as 'pieces' })).toThrow(
      expect.objectContaining({ name: 'JpegError', code: 'INVALID_OPTION', option: 'frames' }),
    );
  });

  it('scanJpegFrames yields pieces that are views of the source chunks', async () => {
    const input = join(a, b, a);
    async function* source(): AsyncGenerator<Uint8Array> {
      yield* splitAt(input, [50, 1000, a.length + 3, input.length - 7]);
    }
    const out: Uint8Array[] = [];
    for await (const frame of scanJpegFrames(source(), { frames: 'pieces' })) {
      for (const piece of frame) expect(piece.buffer).toBe(input.buffer);
      out.push(join(...frame));
    }
    expect(sameFrames(out, [a, b, a])).toBe(true);
  });
});
