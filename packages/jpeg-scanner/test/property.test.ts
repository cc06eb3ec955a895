import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusNames, describeFrames, join, readCorpus, sameFrames, scanChunks, splitAt } from './helpers.js';

const frames = corpusNames.map((name) => readCorpus(name));

/** Garbage that cannot hold an SOI: random bytes with every FF followed by something other than D8. */
const garbage = fc.uint8Array({ maxLength: 300 }).map((raw) => {
  const out = Uint8Array.from(raw);
  for (let i = 0; i < out.length; i++) if (out[i] === 0xff && out[i + 1] === 0xd8) out[i + 1] = 0x00;
  // A trailing FF would make an SOI with the next frame's D8… after its FF: FF FF D8 is fine.
  return out;
});

describe('JpegScanner properties (fast-check)', () => {
  it('returns exactly the frames of random concatenations with garbage between, at random splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(frames.length - 1), garbage), { minLength: 1, maxLength: 6 }),
        garbage,
        fc.array(fc.nat(), { maxLength: 30 }),
        (picks, lead, rawCuts) => {
          const chosen = picks.map(([index]) => frames[index] as Uint8Array);
          const parts: Uint8Array[] = [lead];
          for (const [index, between] of picks) parts.push(frames[index] as Uint8Array, between);
          const input = join(...parts);
          const cuts = rawCuts.map((cut) => cut % input.length).sort((a, b) => a - b);
          const result = scanChunks(splitAt(input, cuts));
          if (!sameFrames(result.frames, chosen)) {
            expect(describeFrames(result.frames)).toEqual(describeFrames(chosen));
          }
          const garbageBytes = lead.length + picks.reduce((sum, [, between]) => sum + between.length, 0);
          expect(result.stats).toMatchObject({
            frames: chosen.length,
            droppedFrames: 0,
            skippedBytes: garbageBytes,
          });
        },
      ),
      { numRuns: 150, seed: 3 },
    );
  });

  it('never emits anything but whole corpus frames when frames are truncated at random', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(frames.length - 1), fc.option(fc.nat(), { freq: 3 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (picks, rawCuts) => {
          const parts = picks.map(([index, cut]) => {
            const frame = frames[index] as Uint8Array;
            return cut === null ? frame : frame.subarray(0, 2 + (cut % (frame.length - 2)));
          });
          const input = join(...parts);
          const cuts = rawCuts.map((cut) => cut % input.length).sort((a, b) => a - b);
          const result = scanChunks(splitAt(input, cuts));
          // Every frame given back is byte-identical to a corpus frame or one's thumbnail.
          for (const frame of result.frames) {
            const known = frames.some((original) => sameFrames([frame], [original]));
            const embedded =
              !known && frames.some((original) => Buffer.from(original).includes(Buffer.from(frame)));
            expect(known || embedded).toBe(true);
          }
          // The last frame, when whole, always comes out.
          const [lastIndex, lastCut] = picks.at(-1) as [number, number | null];
          if (lastCut === null) expect(result.frames.at(-1)).toEqual(frames[lastIndex]);
        },
      ),
      { numRuns: 150, seed: 4 },
    );
  });

  it('gives the same frames and counters at any split of hostile input, and counts every byte once', () => {
    const piece = fc.oneof(
      fc.nat(frames.length - 1).map((index) => frames[index] as Uint8Array),
      fc
        .tuple(fc.nat(frames.length - 1), fc.nat())
        .map(([index, cut]) =>
          (frames[index] as Uint8Array).subarray(0, 1 + (cut % (frames[index] as Uint8Array).length)),
        ),
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom(
        new Uint8Array([0xff, 0xd8]),
        new Uint8Array([0xff]),
        new Uint8Array([0xff, 0xd9]),
        new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff]),
        new Uint8Array([0xff, 0xda, 0x00, 0x08]),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (pieces, rawCuts) => {
          const input = join(...pieces);
          const whole = scanChunks([input]);
          const cuts = rawCuts.map((cut) => cut % Math.max(1, input.length)).sort((a, b) => a - b);
          const split = scanChunks(splitAt(input, cuts));
          if (!sameFrames(split.frames, whole.frames)) {
            expect(describeFrames(split.frames)).toEqual(describeFrames(whole.frames));
          }
          expect(split.stats).toEqual(whole.stats);
          const framed = whole.frames.reduce((sum, frame) => sum + frame.length, 0);
          expect(framed + whole.stats.skippedBytes + whole.stats.droppedBytes).toBe(input.length);
          const repaired = scanChunks([input], { repairMissingEoi: true });
          const repairedSplit = scanChunks(splitAt(input, cuts), { repairMissingEoi: true });
          expect(sameFrames(repairedSplit.frames, repaired.frames)).toBe(true);
          expect(repairedSplit.stats).toEqual(repaired.stats);
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });
});
