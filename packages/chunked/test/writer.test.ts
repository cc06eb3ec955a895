import { concatBytes } from '@mjpeg-kit/bytes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkedReader,
  encodeChunk,
  encodeChunkSizeLine,
  encodeLastChunk,
  LAST_CHUNK,
} from '../src/index.js';
import { bytes, splitAt } from './replay.js';

const text = (data: Uint8Array) => new TextDecoder('latin1').decode(data);

describe('encodeChunk (RFC 9112 §7.1)', () => {
  it('frames one array as size line, the same array, CRLF', () => {
    const data = bytes('hello');
    const framed = encodeChunk(data);
    expect(framed).toHaveLength(3);
    expect(text(framed[0]!)).toBe('5\r\n');
    expect(framed[1]).toBe(data);
    expect(text(framed[2]!)).toBe('\r\n');
  });

  it('frames several arrays as one chunk without copying them', () => {
    const pieces = [bytes('head'), bytes('0123456789'), bytes('tail')];
    const framed = encodeChunk(pieces);
    expect(framed).toHaveLength(5);
    expect(text(framed[0]!)).toBe('12\r\n');
    for (let i = 0; i < 3; i++) expect(framed[i + 1]).toBe(pieces[i]);
    expect(text(concatBytes(framed))).toBe('12\r\nhead0123456789tail\r\n');
  });

  it('returns [] for empty data, never a last chunk', () => {
    expect(encodeChunk(new Uint8Array(0))).toEqual([]);
    expect(encodeChunk([])).toEqual([]);
    expect(encodeChunk([new Uint8Array(0), new Uint8Array(0)])).toEqual([]);
  });

  it.each([
    [1, '1'],
    [15, 'f'],
    [16, '10'],
    [88_000, '157c0'],
    [0xffffffff, 'ffffffff'],
    [2 ** 32 + 1, '100000001'],
    [Number.MAX_SAFE_INTEGER, '1fffffffffffff'],
  ])('writes the size %d as lower-case hex %s', (size, hex) => {
    expect(text(encodeChunkSizeLine(size))).toBe(`${hex}\r\n`);
  });

  it('refuses sizes that are not positive safe integers', () => {
    expect(() => encodeChunkSizeLine(0)).toThrow(RangeError);
    expect(() => encodeChunkSizeLine(1.5)).toThrow(RangeError);
    expect(() => encodeChunkSizeLine(2 ** 53)).toThrow(RangeError);
  });

  it('has LAST_CHUNK as 0 CRLF CRLF', () => {
    expect(text(LAST_CHUNK)).toBe('0\r\n\r\n');
  });
});

describe('encodeLastChunk (RFC 9112 §7.1.2)', () => {
  it('writes trailer fields after the last chunk', () => {
    expect(text(encodeLastChunk({ 'X-Frames': '12', Expires: 'never' }))).toBe(
      '0\r\nX-Frames: 12\r\nExpires: never\r\n\r\n',
    );
    expect(text(encodeLastChunk([['A', 'b']]))).toBe('0\r\nA: b\r\n\r\n');
  });

  it('returns LAST_CHUNK without fields', () => {
    expect(encodeLastChunk()).toBe(LAST_CHUNK);
    expect(encodeLastChunk({})).toBe(LAST_CHUNK);
  });

  it.each([
    ['a name with a space', { 'X A': 'b' }],
    ['an empty name', { '': 'b' }],
    ['a name with a colon', { 'X:': 'b' }],
    ['a value with CRLF (injection)', { X: 'a\r\nInjected: yes' }],
    ['a value with a bare LF', { X: 'a\nb' }],
    ['a value with NUL', { X: 'a\0' }],
    ['a value above U+00FF', { X: 'π' }],
  ])('throws INVALID_TRAILER for %s', (_name, fields) => {
    expect(() => encodeLastChunk(fields)).toThrow(expect.objectContaining({ code: 'INVALID_TRAILER' }));
  });
});

describe('writer → reader round trip (fast-check)', () => {
  const tokenChar = fc.constantFrom(...'abcXYZ09-_!#$%&*+.^`|~');
  const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 8 });
  const fieldValue = fc
    .string({ unit: fc.constantFrom(...'ab \tc\xe9:;"'), maxLength: 12 })
    .map((value) => value.replace(/^[ \t]+|[ \t]+$/g, ''));
  const hostileByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x30, 0x3b));
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.array(hostileByte, { maxLength: 64 }).map((values) => Uint8Array.from(values)),
    fc.constant(bytes('0\r\n\r\n')),
  );

  it('reads back exactly what was written, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(body, { maxLength: 4 }), { maxLength: 8 }),
        fc.array(fc.tuple(token, fieldValue), { maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (writes, trailers, rawOffsets) => {
          const wire = concatBytes([
            ...writes.flatMap((pieces) => encodeChunk(pieces)),
            encodeLastChunk(trailers),
          ]);
          const expected = concatBytes(writes.flat());
          const offsets = [...new Set(rawOffsets.map((offset) => offset % (wire.length + 1)))].sort(
            (a, b) => a - b,
          );
          const reader = new ChunkedReader();
          const data = splitAt(wire, offsets).flatMap((piece) => reader.push(piece));
          reader.end();
          expect(concatBytes(data)).toEqual(expected);
          expect([...reader.trailers.entries()]).toEqual(trailers);
          expect(reader.leftover.length).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
  });
});
