import fc from 'fast-check';
import { expect } from 'vitest';
import { splitEvery as pieces, seededRandom as seeded, splitAt } from '../../../test-support/splits.js';
import {
  MultipartError,
  MultipartParser,
  type MultipartParserOptions,
  type MultipartStats,
  type PiecesPart,
} from '../src/index.js';

export { pieces, seeded, splitAt };

/** What a parser run produced, in a shape `toEqual` can compare across splits. */
export interface Outcome {
  parts: { headers: [string, string][]; contentType?: string; contentLength?: number; body: string }[];
  error?: { code: string; offset: number | undefined };
  stats: MultipartStats;
}

/** Bytes from a string, one byte per code unit (Latin-1), so vectors can hold `\xff`. */
export function bytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Latin-1 text of bytes, for readable comparisons. */
export function text(data: Uint8Array): string {
  let out = '';
  for (const byte of data) out += String.fromCharCode(byte);
  return out;
}

/**
 * Feeds `chunks` to a fresh parser with `bodies: 'pieces'`, then `end()`; records what
 * {@link run} records, each body the pieces joined. Checks each part's pieces on the way: none
 * empty, `bodyLength` their sum, and every one a view of a written chunk's memory (no copy).
 */
export function runPieces(
  chunks: Iterable<Uint8Array>,
  boundary: string,
  options?: MultipartParserOptions,
): Outcome {
  const parser = new MultipartParser(boundary, { ...options, bodies: 'pieces' });
  const outcome: Outcome = { parts: [], stats: parser.stats };
  const written = new Set<ArrayBufferLike>();
  const collect = (parts: PiecesPart[]) => {
    for (const part of parts) {
      let body = '';
      let length = 0;
      for (const piece of part.pieces) {
        if (piece.length === 0) throw new Error('an empty piece');
        if (!written.has(piece.buffer)) throw new Error('a piece that is not a view of a written chunk');
        body += text(piece);
        length += piece.length;
      }
      if (length !== part.bodyLength) throw new Error(`bodyLength ${part.bodyLength}, pieces ${length}`);
      outcome.parts.push({
        headers: [...part.headers.entries()],
        contentType: part.contentType,
        contentLength: part.contentLength,
        body,
      });
    }
  };
  try {
    for (const chunk of chunks) {
      written.add(chunk.buffer);
      collect(parser.write(chunk));
    }
    collect(parser.end());
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    outcome.error = { code: error.code, offset: error.offset };
  }
  outcome.stats = { ...parser.stats };
  return outcome;
}

/** Feeds `chunks` to a fresh parser, then `end()`; records parts, the error, stats. */
export function run(
  chunks: Iterable<Uint8Array>,
  boundary: string,
  options?: MultipartParserOptions,
): Outcome {
  const parser = new MultipartParser(boundary, options);
  const outcome: Outcome = { parts: [], stats: parser.stats };
  const collect = (parts: ReturnType<MultipartParser['write']>) => {
    for (const part of parts) {
      outcome.parts.push({
        headers: [...part.headers.entries()],
        contentType: part.contentType,
        contentLength: part.contentLength,
        body: text(part.body),
      });
    }
  };
  try {
    for (const chunk of chunks) collect(parser.write(chunk));
    collect(parser.end());
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    outcome.error = { code: error.code, offset: error.offset };
  }
  outcome.stats = { ...parser.stats };
  return outcome;
}

/**
 * Replays `input` every way a network may cut it: whole, byte by byte, and split at every offset
 * (inputs up to 8 KiB); larger inputs in 1- and 7-byte feeds, 16 KiB chunks and 300 seeded
 * random splits; then 25 fast-check random splits. Every way must give the same outcome,
 * with contiguous bodies and with pieces (joined, see {@link runPieces}); returns it.
 */
export function replay(input: Uint8Array, boundary: string, options?: MultipartParserOptions): Outcome {
  const whole = run([input], boundary, options);
  const check = (chunks: Uint8Array[], how: string) => {
    expect(run(chunks, boundary, options), how).toEqual(whole);
    expect(runPieces(chunks, boundary, options), `${how}, as pieces`).toEqual(whole);
  };
  check([input], 'whole');
  check(pieces(input, 1), 'byte by byte');
  if (input.length <= 8192) {
    for (let cut = 1; cut < input.length; cut++) check(splitAt(input, [cut]), `split at ${cut}`);
    check(pieces(input, 3), '3-byte pieces');
  } else {
    check(pieces(input, 7), '7-byte pieces');
    check(pieces(input, 16 * 1024), '16 KiB chunks');
    const random = seeded(input.length);
    for (let round = 0; round < 300; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        Math.floor(random() * input.length),
      );
      check(splitAt(input, cuts), `random cuts ${cuts.join(',')}`);
    }
  }
  fc.assert(
    fc.property(fc.array(fc.nat({ max: input.length }), { maxLength: 16 }), (cuts) => {
      expect(run(splitAt(input, cuts), boundary, options)).toEqual(whole);
      expect(runPieces(splitAt(input, cuts), boundary, options)).toEqual(whole);
    }),
    { numRuns: 25 },
  );
  return whole;
}
