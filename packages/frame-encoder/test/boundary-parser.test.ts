import { MultipartParser } from '@mjpeg-kit/boundary-parser';
import { concatBytes, encodeAscii, formatTimestamp, indexOfBytes } from '@mjpeg-kit/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultipartEncoder } from '../src/index.js';

/** Cuts `stream` at the given offsets (any order, duplicates allowed). */
function split(stream: Uint8Array, rawOffsets: number[]): Uint8Array[] {
  const offsets = [...new Set(rawOffsets.map((offset) => offset % (stream.length + 1)))].sort(
    (a, b) => a - b,
  );
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of offsets) {
    pieces.push(stream.subarray(start, offset));
    start = offset;
  }
  pieces.push(stream.subarray(start));
  return pieces;
}

function bodies(fragments: string[]): fc.Arbitrary<Uint8Array[]> {
  const fragment = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.constantFrom(...fragments).map((text) => Uint8Array.from(text, (char) => char.charCodeAt(0))),
  );
  return fc.array(
    fc.array(fragment, { maxLength: 10 }).map((pieces) => concatBytes(pieces)),
    { minLength: 1, maxLength: 6 },
  );
}

describe('encoder → @mjpeg-kit/boundary-parser round trip (fast-check)', () => {
  it('parses every part back, by Content-Length, even when bodies hold the delimiter', () => {
    const encoder = new MultipartEncoder({ legacy: true });
    const B = encoder.boundary;
    fc.assert(
      fc.property(
        bodies([
          `\r\n--${B}\r\n`,
          `--${B}--`,
          `\r\n--${B.slice(0, 9)}`,
          '\r\n\r\n',
          'Content-Length: 3\r\n',
          '\xff\xd9',
        ]),
        fc.array(fc.nat(), { maxLength: 16 }),
        (parts, offsets) => {
          const stream = concatBytes([
            encoder.opening,
            ...parts.flatMap((body, seq) => encoder.encodePart(body, { timestamp: seq * 40, seq })),
          ]);
          const parser = new MultipartParser(B);
          const parsed = split(stream, offsets).flatMap((piece) => parser.write(piece));
          // A live stream ends after a tail: the next part has not begun, so end() has nothing to finish.
          parser.end();
          expect(parsed).toHaveLength(parts.length);
          parsed.forEach((part, seq) => {
            expect(part.body).toEqual(parts[seq]);
            expect(part.contentType).toBe('image/jpeg');
            expect(part.contentLength).toBe(parts[seq]!.length);
            expect(part.headers.get('x-timestamp')).toBe(formatTimestamp(seq * 40));
            expect(part.headers.get('X-Frame-Seq')).toBe(String(seq));
            expect(part.headers.get('content-size')).toBe(String(parts[seq]!.length));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('parses the advance-headers layout (no Content-Length) by delimiter search', () => {
    const encoder = new MultipartEncoder();
    const B = encoder.boundary;
    fc.assert(
      fc.property(
        bodies([`--${B.slice(0, 20)}`, '\r\n--', '\r\n\r\n', 'Content-Type: x\r\n', '\xff\xd9']),
        fc.array(fc.nat(), { maxLength: 16 }),
        (parts, offsets) => {
          fc.pre(parts.every((body) => indexOfBytes(body, encodeAscii(B)) === -1));
          const stream = concatBytes([
            encoder.advanceOpening(0),
            ...parts.flatMap((body, i) =>
              encoder.encodePart(
                body,
                {},
                { advanceHeaders: true, advanceTimestamp: (i + 1) * 40, final: i === parts.length - 1 },
              ),
            ),
          ]);
          const parser = new MultipartParser(B);
          const parsed = split(stream, offsets).flatMap((piece) => parser.write(piece));
          parser.end();
          expect(parsed.map((part) => part.body)).toEqual(parts);
          parsed.forEach((part, i) => {
            expect(part.contentType).toBe('image/jpeg');
            expect(part.headers.get('x-timestamp')).toBe(formatTimestamp(i * 40));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
