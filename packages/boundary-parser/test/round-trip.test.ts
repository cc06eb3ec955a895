import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, replay, run, seeded, splitAt, text } from './replay.js';

const BOUNDARY = 'frame-7f3a';
const DELIMITER_FOLLOWERS = new Set([0x2d, 0x20, 0x09, 0x0d, 0x0a]);

interface TestPart {
  body: Uint8Array;
  withLength: boolean;
  legacy: boolean;
  contentType: string;
}

interface Layout {
  lineEnd: '\r\n' | '\n';
  preamble: boolean;
  close: boolean;
}

/** A small encoder, independent of @mjpeg-kit/frame-encoder: opening line, head, body, tail. */
function encode(parts: TestPart[], layout: Layout): Uint8Array {
  const { lineEnd } = layout;
  const pieces: Uint8Array[] = [];
  if (layout.preamble) pieces.push(bytes(`This is a preamble.${lineEnd}`));
  pieces.push(bytes(`--${BOUNDARY}${lineEnd}`));
  parts.forEach((part, i) => {
    let head = `Content-Type: ${part.contentType}${lineEnd}`;
    if (part.withLength)
      head += `${part.legacy ? 'Content-Size' : 'Content-Length'}: ${part.body.length}${lineEnd}`;
    pieces.push(bytes(`${head}${lineEnd}`), part.body);
    const last = i === parts.length - 1;
    pieces.push(bytes(`${lineEnd}--${BOUNDARY}${last && layout.close ? '--' : ''}${lineEnd}`));
  });
  const out = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

/**
 * Whether a body without a length is ambiguous: it holds the boundary followed by a byte
 * that may end a delimiter line (or by its own end), or, with bare-LF line ends, it ends in
 * CR (then `\r` + `\n--B` reads as CRLF). Only such bodies need a length.
 */
function needsLength(body: Uint8Array, lineEnd: string): boolean {
  if (lineEnd === '\n' && body[body.length - 1] === 0x0d) return true;
  const needle = bytes(BOUNDARY);
  for (let at = 0; at + needle.length <= body.length; at++) {
    let i = 0;
    while (i < needle.length && body[at + i] === needle[i]) i++;
    if (i < needle.length) continue;
    const next = body[at + needle.length];
    if (next === undefined || DELIMITER_FOLLOWERS.has(next)) return true;
  }
  return false;
}

const fragment = fc.oneof(
  fc.constantFrom(
    `--${BOUNDARY}`,
    `\r\n--${BOUNDARY}`,
    `--${BOUNDARY}--`,
    '\r\n',
    '\n',
    '\r',
    '\xff\xd9',
    '\xff\xd8',
    '-',
  ),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x00-\xff]/g, '?')),
  fc.uint8Array({ maxLength: 40 }).map((b) => text(b)),
);
const body = fc.array(fragment, { maxLength: 12 }).map((pieces) => bytes(pieces.join('')));
const part = fc.record({
  body,
  withLength: fc.boolean(),
  legacy: fc.boolean(),
  contentType: fc.constantFrom('image/jpeg', 'audio/L16;rate=16000;channels=1', 'text/plain'),
});
const layout = fc.record({
  lineEnd: fc.constantFrom('\r\n' as const, '\n' as const),
  preamble: fc.boolean(),
  close: fc.boolean(),
});
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });

describe('round trip: encoder → parser, any split (fast-check)', () => {
  it('returns every body byte for byte, with its type and length, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        layout,
        cuts,
        (rawParts, shape, fractions) => {
          // Bodies that could end early without a length get one, like a real encoder would.
          const parts = rawParts.map((p) =>
            needsLength(p.body, shape.lineEnd) ? { ...p, withLength: true } : p,
          );
          const stream = encode(parts, shape);
          const outcome = run(
            splitAt(
              stream,
              fractions.map((f) => Math.floor(f * stream.length)),
            ),
            BOUNDARY,
          );
          expect(outcome.error).toBeUndefined();
          expect(outcome.parts.map((p) => p.body)).toEqual(parts.map((p) => text(p.body)));
          expect(outcome.parts.map((p) => p.contentType)).toEqual(parts.map((p) => p.contentType));
          expect(outcome.parts.map((p) => p.contentLength)).toEqual(
            parts.map((p) => (p.withLength ? p.body.length : undefined)),
          );
          expect(outcome.stats.lengthMismatches).toBe(0);
          expect(outcome.stats.lengthParts).toBe(parts.filter((p) => p.withLength).length);
          expect(outcome.stats.closeDelimiters).toBe(shape.close ? 1 : 0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives the same outcome for one write and for every random split of garbage-laced input', () => {
    const noisy = fc.array(
      fc.oneof(fragment, fc.constantFrom('Content-Length: 3\r\n', '\r\n\r\n', 'X: y\n')),
      {
        maxLength: 30,
      },
    );
    fc.assert(
      fc.property(noisy, cuts, (pieces, fractions) => {
        const stream = bytes(pieces.join(''));
        const whole = run([stream], BOUNDARY);
        const split = run(
          splitAt(
            stream,
            fractions.map((f) => Math.floor(f * stream.length)),
          ),
          BOUNDARY,
        );
        expect(split).toEqual(whole);
      }),
      { numRuns: 600 },
    );
  });
});

describe('a larger stream (over 8 KiB): 1- and 7-byte feeds, 16 KiB chunks, 300 random splits', () => {
  it('reads 40 binary parts, with and without lengths, the same every way', () => {
    const random = seeded(7);
    const parts: TestPart[] = Array.from({ length: 40 }, (_, i) => {
      const body = new Uint8Array(200 + Math.floor(random() * 900));
      for (let j = 0; j < body.length; j++) body[j] = Math.floor(random() * 256);
      body.set([0xff, 0xd8], 0);
      body.set([0xff, 0xd9], body.length - 2);
      return {
        body,
        withLength: i % 3 !== 0 || needsLength(body, '\r\n'),
        legacy: i % 5 === 0,
        contentType: 'image/jpeg',
      };
    });
    const stream = encode(parts, { lineEnd: '\r\n', preamble: true, close: false });
    expect(stream.length).toBeGreaterThan(8192);
    const outcome = replay(stream, BOUNDARY);
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((p) => p.body)).toEqual(parts.map((p) => text(p.body)));
    expect(outcome.stats).toMatchObject({
      parts: 40,
      lengthMismatches: 0,
      preambleBytes: 'This is a preamble.'.length,
    });
  });
});
