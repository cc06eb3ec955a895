import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bytesEqual } from '@mjpeg-kit/bytes';
import { expect } from 'vitest';
import { seededRandom, splitAt, splitEvery } from '../../../test-support/splits.js';
import { JpegScanner, type JpegScannerOptions, type JpegScannerStats } from '../src/index.js';

export { splitAt, splitEvery };

export const corpusDir = fileURLToPath(new URL('./corpus/', import.meta.url));

/** Every corpus file name (the committed ones, made by corpus/make-corpus.sh). */
export const corpusNames = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.jpg'))
  .sort();

export function readCorpus(name: string, dir = corpusDir): Uint8Array {
  return new Uint8Array(readFileSync(`${dir}/${name}`));
}

interface ScanResult {
  frames: Uint8Array[];
  stats: JpegScannerStats;
  /** Largest `bufferedBytes` seen after any push. */
  maxBuffered: number;
}

/** Feeds `chunks` to a fresh scanner, then `end()`. */
export function scanChunks(chunks: readonly Uint8Array[], options?: JpegScannerOptions): ScanResult {
  const scanner = new JpegScanner(options);
  const frames: Uint8Array[] = [];
  let maxBuffered = 0;
  for (const chunk of chunks) {
    for (const frame of scanner.push(chunk)) frames.push(frame);
    maxBuffered = Math.max(maxBuffered, scanner.bufferedBytes);
  }
  for (const frame of scanner.end()) frames.push(frame);
  return { frames, stats: { ...scanner.stats }, maxBuffered };
}

/**
 * Feeds `chunks` to a fresh scanner with `frames: 'pieces'`, then `end()`; returns what
 * `scanChunks` returns, each frame its pieces joined. Checks the pieces on the way: none
 * empty, and each a view of a pushed chunk's memory (no copy), but the `FF D9` that
 * `repairMissingEoi` appends.
 */
export function scanChunksAsPieces(chunks: readonly Uint8Array[], options?: JpegScannerOptions): ScanResult {
  const scanner = new JpegScanner({ ...options, frames: 'pieces' });
  const pushed = new Set<ArrayBufferLike>();
  const frames: Uint8Array[] = [];
  const take = (pieces: Uint8Array[]) => {
    pieces.forEach((piece, i) => {
      if (piece.length === 0) throw new Error('an empty piece');
      const repairedEoi = options?.repairMissingEoi && i === pieces.length - 1 && piece.length === 2;
      if (!pushed.has(piece.buffer) && !repairedEoi) throw new Error('a piece that is not a view of a chunk');
    });
    frames.push(join(...pieces));
  };
  let maxBuffered = 0;
  for (const chunk of chunks) {
    pushed.add(chunk.buffer);
    for (const frame of scanner.push(chunk)) take(frame);
    maxBuffered = Math.max(maxBuffered, scanner.bufferedBytes);
  }
  for (const frame of scanner.end()) take(frame);
  return { frames, stats: { ...scanner.stats }, maxBuffered };
}

/**
 * The ways every input is replayed, as a network may cut it: whole; for inputs up to 8 KiB split in
 * two at every offset and byte by byte; for larger ones 1- and 7-byte feeds and 16 KiB
 * chunks; plus `randomSplits` seeded random splittings.
 */
function* splittings(input: Uint8Array, randomSplits = 20, seed = 1): Generator<[string, Uint8Array[]]> {
  yield ['whole', [input]];
  if (input.length <= 8192) {
    for (let cut = 1; cut < input.length; cut++) yield [`split at ${cut}`, splitAt(input, [cut])];
  } else {
    yield ['16 KiB chunks', splitEvery(input, 16384)];
  }
  yield ['1-byte feed', splitEvery(input, 1)];
  yield ['7-byte feed', splitEvery(input, 7)];
  const random = seededRandom(seed);
  for (let i = 0; i < randomSplits; i++) {
    const cuts: number[] = [];
    const count = 1 + Math.floor(random() * 40);
    for (let c = 0; c < count; c++) cuts.push(1 + Math.floor(random() * (input.length - 1)));
    cuts.sort((a, b) => a - b);
    yield [`random split #${i} (seed ${seed})`, splitAt(input, cuts)];
  }
}

/** Frames as short descriptions, for readable failure output. */
export function describeFrames(frames: readonly Uint8Array[]): string[] {
  return frames.map((frame) => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < frame.length; i++) hash = Math.imul(hash ^ (frame[i] as number), 16777619);
    return `${frame.length} bytes, fnv ${(hash >>> 0).toString(16)}`;
  });
}

export function sameFrames(actual: readonly Uint8Array[], expected: readonly Uint8Array[]): boolean {
  if (actual.length !== expected.length) return false;
  return actual.every((frame, i) => bytesEqual(frame, expected[i] as Uint8Array));
}

/** Concatenates byte arrays (test inputs). */
export function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * Replays `input` every way `splittings` gives and asserts each gives exactly `expected`
 * frames and the same counters as the whole feed (or `stats`, when given), as contiguous
 * frames and as pieces (joined, see `scanChunksAsPieces`). Returns the whole-feed result.
 */
export function expectFramesEverySplit(
  input: Uint8Array,
  expected: readonly Uint8Array[],
  stats?: Partial<JpegScannerStats>,
  options?: JpegScannerOptions & { randomSplits?: number; seed?: number },
): ScanResult {
  const whole = scanChunks([input], options);
  if (stats) expect(whole.stats).toMatchObject(stats);
  expect(describeFrames(whole.frames)).toEqual(describeFrames(expected));
  expect(sameFrames(whole.frames, expected)).toBe(true);
  for (const [split, chunks] of splittings(input, options?.randomSplits, options?.seed)) {
    checkSplit(split, scanChunks(chunks, options));
    checkSplit(`${split}, as pieces`, scanChunksAsPieces(chunks, options));
  }
  return whole;

  function checkSplit(how: string, result: ScanResult): void {
    if (!sameFrames(result.frames, expected)) {
      expect.soft(describeFrames(result.frames), how).toEqual(describeFrames(expected));
      expect(sameFrames(result.frames, expected), how).toBe(true);
    }
    if (!statsEqual(result.stats, whole.stats)) expect(result.stats, how).toEqual(whole.stats);
    // Every byte is counted once: in a frame, skipped, or in a dropped frame.
    if (!options?.repairMissingEoi) {
      const framed = result.frames.reduce((sum, frame) => sum + frame.length, 0);
      const counted = framed + result.stats.skippedBytes + result.stats.droppedBytes;
      if (counted !== input.length) expect(counted, how).toBe(input.length);
    }
  }
}

function statsEqual(a: JpegScannerStats, b: JpegScannerStats): boolean {
  return (
    a.frames === b.frames &&
    a.skippedBytes === b.skippedBytes &&
    a.droppedFrames === b.droppedFrames &&
    a.droppedBytes === b.droppedBytes &&
    a.repairedFrames === b.repairedFrames
  );
}
