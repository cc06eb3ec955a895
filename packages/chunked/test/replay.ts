import { concatBytes, encodeAscii } from '@mjpeg-kit/bytes';
import { splitEvery as cut, seededRandom } from '../../../test-support/splits.js';
import { ChunkedError, ChunkedReader, type ChunkedReaderOptions } from '../src/index.js';

/** What one feeding of a vector produced: every way of splitting must give the same. */
export interface Outcome {
  data: string;
  trailers: [string, string][];
  leftover: string;
  error?: { code: string; offset: number | undefined };
}

const decoder = new TextDecoder('latin1');

export function bytes(text: string): Uint8Array {
  return encodeAscii(text);
}

/** Feeds `pieces` to a fresh reader, then `end()`. */
export function feed(pieces: Uint8Array[], options?: ChunkedReaderOptions): Outcome {
  const reader = new ChunkedReader(options);
  const data: Uint8Array[] = [];
  const after: Uint8Array[] = [];
  try {
    for (const piece of pieces) {
      if (reader.done) {
        after.push(piece);
        continue;
      }
      data.push(...reader.push(piece));
      if (reader.done) after.push(reader.leftover);
    }
    reader.end();
  } catch (error) {
    if (!(error instanceof ChunkedError)) throw error;
    return {
      data: '',
      trailers: [],
      leftover: '',
      error: { code: error.code, offset: error.offset },
    };
  }
  return {
    data: decoder.decode(concatBytes(data)),
    trailers: [...reader.trailers.entries()],
    leftover: decoder.decode(concatBytes(after)),
  };
}

export { cut };

/** Splits `input` at the given ascending offsets, keeping empty pieces (a cut at 0 or at the end). */
export function splitAt(input: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(input.subarray(start, offset));
    start = offset;
  }
  pieces.push(input.subarray(start));
  return pieces;
}

/** Random split offsets for `length` bytes, at most `maxPieces` pieces. */
function randomOffsets(random: () => number, length: number, maxPieces: number): number[] {
  const count = Math.floor(random() * maxPieces);
  const offsets = new Set<number>();
  for (let i = 0; i < count; i++) offsets.add(Math.floor(random() * (length + 1)));
  return [...offsets].sort((a, b) => a - b);
}

/**
 * Feeds `input` whole, byte by byte, and split at every offset (small inputs) or in 1-byte,
 * 7-byte, 16 KiB pieces and seeded random splits (large inputs); returns the outcome after
 * checking that every way agrees.
 */
export function replay(input: Uint8Array, options?: ChunkedReaderOptions): Outcome {
  const whole = feed([input], options);
  const ways: [string, Uint8Array[]][] = [
    ['byte by byte', cut(input, 1)],
    ['7-byte pieces', cut(input, 7)],
  ];
  if (input.length <= 8 * 1024) {
    for (let offset = 0; offset <= input.length; offset++) {
      ways.push([`split at ${offset}`, splitAt(input, [offset])]);
    }
  } else {
    ways.push(['16 KiB pieces', cut(input, 16 * 1024)]);
    const random = seededRandom(input.length);
    for (let i = 0; i < 300; i++) {
      ways.push([`random split ${i}`, splitAt(input, randomOffsets(random, input.length, 40))]);
    }
  }
  for (const [name, pieces] of ways) {
    const outcome = feed(pieces, options);
    if (JSON.stringify(outcome) !== JSON.stringify(whole)) {
      throw new Error(`${name} gave ${JSON.stringify(outcome)}, whole gave ${JSON.stringify(whole)}`);
    }
  }
  return whole;
}
