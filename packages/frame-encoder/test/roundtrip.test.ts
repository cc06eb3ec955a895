import { concatBytes, encodeAscii, formatTimestamp, indexOfBytes } from '@mjpeg-kit/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultipartEncoder, type PartFields } from '../src/index.js';
import { splitMultipart } from './splitter.js';

const boundaryArbitrary = fc.oneof(
  fc.constant(undefined),
  fc.string({ unit: fc.constantFrom(...'ab09-_.+'), minLength: 1, maxLength: 70 }),
);

/** Bodies full of what could confuse a reader: delimiters, CRLF, header text, JPEG EOI. */
function bodyArbitrary(boundary: string): fc.Arbitrary<Uint8Array> {
  const fragment = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc
      .constantFrom(
        `--${boundary}`,
        `\r\n--${boundary.slice(0, -1)}`,
        `--${boundary}--`,
        '\r\n',
        '\r\n\r\n',
        'Content-Length: 5\r\n',
        '\xff\xd9',
        '\xff\xd8',
      )
      .map((text) => Uint8Array.from(text, (char) => char.charCodeAt(0))),
  );
  return fc.array(fragment, { maxLength: 12 }).map((pieces) => concatBytes(pieces));
}

const fieldsArbitrary: fc.Arbitrary<PartFields> = fc.record(
  {
    contentType: fc.constantFrom('image/jpeg', 'audio/L16;rate=16000;channels=1', 'audio/PCMU;rate=8000'),
    timestamp: fc.double({ min: 0, max: 4e12, noNaN: true }),
    seq: fc.nat(),
    headers: fc.array(
      fc.tuple(
        fc
          .string({ unit: fc.constantFrom(...'XAbz-09'), minLength: 1, maxLength: 10 })
          .filter(
            (name) =>
              !['content-type', 'content-length', 'content-size', 'x-timestamp', 'x-frame-seq'].includes(
                name.toLowerCase(),
              ),
          ),
        fc.string({ unit: fc.constantFrom(...'ab:;=" \xe9'), maxLength: 10 }).map((value) => value.trim()),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

function expectedHeaders(fields: PartFields, length: number, legacy: boolean): [string, string][] {
  const headers: [string, string][] = [
    ['Content-Type', fields.contentType ?? 'image/jpeg'],
    ['Content-Length', String(length)],
  ];
  if (legacy) headers.push(['Content-Size', String(length)]);
  if (fields.timestamp !== undefined) headers.push(['X-Timestamp', formatTimestamp(fields.timestamp)]);
  if (fields.seq !== undefined) headers.push(['X-Frame-Seq', String(fields.seq)]);
  for (const [name, value] of (fields.headers ?? []) as [string, string][]) headers.push([name, value]);
  return headers;
}

describe('encoder → splitter round trip (fast-check)', () => {
  it('gives back every body and header by Content-Length, whatever the bodies hold', () => {
    fc.assert(
      fc.property(
        boundaryArbitrary.chain((boundary) => {
          const encoder = new MultipartEncoder({ boundary });
          return fc.tuple(
            fc.constant(boundary),
            fc.boolean(),
            fc.array(fc.tuple(bodyArbitrary(encoder.boundary), fieldsArbitrary), {
              minLength: 1,
              maxLength: 6,
            }),
            fc.boolean(),
          );
        }),
        ([boundary, legacy, parts, final]) => {
          const encoder = new MultipartEncoder({ boundary, legacy });
          const stream = concatBytes([
            encoder.opening,
            ...parts.flatMap(([body, fields], i) =>
              encoder.encodePart(body, fields, { final: final && i === parts.length - 1 }),
            ),
          ]);
          const split = splitMultipart(stream, encoder.boundary, true);
          expect(split).toHaveLength(parts.length);
          split.forEach((part, i) => {
            const [body, fields] = parts[i]!;
            expect(part.body).toEqual(body);
            expect(part.headers).toEqual(expectedHeaders(fields, body.length, legacy));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives back every body by delimiter search when no body holds the delimiter', () => {
    fc.assert(
      fc.property(
        fc
          .array(bodyArbitrary(''), { minLength: 1, maxLength: 6 })
          .chain((seeds) => fc.tuple(fc.constant(seeds), fc.boolean())),
        ([seedBodies, advance]) => {
          const encoder = new MultipartEncoder();
          const delimiter = encodeAscii(`\r\n--${encoder.boundary}`);
          // Mix the real boundary into the bodies, but never the whole delimiter.
          const bodies = seedBodies.map((body, i) =>
            concatBytes([
              body,
              encodeAscii(i % 2 ? `--${encoder.boundary}` : `\r\n--${encoder.boundary.slice(1)}`),
            ]),
          );
          fc.pre(bodies.every((body) => indexOfBytes(body, delimiter) === -1));
          const pieces = advance
            ? [
                encoder.advanceOpening(0),
                ...bodies.flatMap((body, i) =>
                  encoder.encodePart(
                    body,
                    {},
                    { advanceHeaders: true, advanceTimestamp: 0, final: i === bodies.length - 1 },
                  ),
                ),
              ]
            : [encoder.opening, ...bodies.flatMap((body) => encoder.encodePart(body))];
          // With advance headers the last part closes the stream, so no announced head dangles.
          const split = splitMultipart(concatBytes(pieces), encoder.boundary, false);
          expect(split.map((part) => part.body)).toEqual(bodies);
          if (advance) {
            for (const part of split) {
              expect(part.headers).toEqual([
                ['Content-Type', 'image/jpeg'],
                ['X-Timestamp', '0.000000'],
              ]);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
