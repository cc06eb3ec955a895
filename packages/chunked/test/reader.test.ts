import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkedError,
  ChunkedReader,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_EXT_BYTES,
  DEFAULT_MAX_TRAILER_BYTES,
} from '../src/index.js';
import { bytes, cut, feed, replay, splitAt } from './replay.js';

describe('ChunkedReader: valid bodies (RFC 9112 §7.1)', () => {
  it.each([
    ['one chunk', '5\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['two chunks', '5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n', 'hello, world'],
    ['no data at all', '0\r\n\r\n', ''],
    [
      'upper-case hex digits (§7.1: HEXDIG is case-insensitive)',
      'A\r\n0123456789\r\n0\r\n\r\n',
      '0123456789',
    ],
    ['lower-case hex digits', 'a\r\n0123456789\r\n0\r\n\r\n', '0123456789'],
    ['leading zeros in chunk-size', '0005\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['last-chunk of several zeros (1*"0")', '2\r\nhi\r\n000\r\n\r\n', 'hi'],
    ['chunk data holding CRLF and size-like text', '7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n', '\r\n0\r\n\r\n'],
    ['chunk-ext name alone (§7.1.1)', '5;name\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['chunk-ext with a token value', '5;name=value\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['several chunk-exts', '5;a=1;b;c=x\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['chunk-ext with a quoted-string value', '5;a="x y;z"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['quoted-string with quoted-pairs', '5;a="q\\"\\\\"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['quoted-string with obs-text', '5;a="\xe9"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['BWS before ";" and around "=" (§7.1.1)', '5 \t; a = b ;c\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['chunk-ext on the last chunk', '5\r\nhello\r\n0;end=1\r\n\r\n', 'hello'],
  ])('decodes %s', (_name, input, expected) => {
    const outcome = replay(bytes(input));
    expect(outcome.error).toBeUndefined();
    expect(outcome.data).toBe(expected);
    expect(outcome.leftover).toBe('');
  });

  it('reads trailer fields with OWS trimmed, in wire order (§7.1.2)', () => {
    const outcome = replay(bytes('1\r\nx\r\n0\r\nX-Sum: abc\r\nExpires:\t  later \t\r\nx-sum:def\r\n\r\n'));
    expect(outcome.data).toBe('x');
    expect(outcome.trailers).toEqual([
      ['X-Sum', 'abc'],
      ['Expires', 'later'],
      ['x-sum', 'def'],
    ]);
  });

  it('keeps an empty trailer value', () => {
    expect(replay(bytes('0\r\nX-Empty:\r\n\r\n')).trailers).toEqual([['X-Empty', '']]);
  });

  it('returns the bytes after the message as leftover', () => {
    const outcome = replay(bytes('3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n'));
    expect(outcome.data).toBe('abc');
    expect(outcome.leftover).toBe('HTTP/1.1 200 OK\r\n');
  });

  it('exposes done, trailers, leftover and bytesRead on the reader', () => {
    const reader = new ChunkedReader();
    expect(reader.done).toBe(false);
    reader.push(bytes('3\r\nabc\r\n0\r\nA: b\r\n'));
    expect(reader.done).toBe(false);
    reader.push(bytes('\r\nnext'));
    expect(reader.done).toBe(true);
    expect(reader.trailers.get('a')).toBe('b');
    expect(new TextDecoder().decode(reader.leftover)).toBe('next');
    expect(reader.bytesRead).toBe(19);
    expect(() => reader.end()).not.toThrow();
  });

  it('returns data as views of the input, never copies', () => {
    const input = bytes('5\r\nhello\r\n0\r\n\r\n');
    const [data] = new ChunkedReader().push(input);
    expect(data!.buffer).toBe(input.buffer);
    expect(data!.byteOffset).toBe(input.byteOffset + 3);
    const pieces = splitAt(input, [5]);
    const reader = new ChunkedReader();
    const first = reader.push(pieces[0]!);
    const second = reader.push(pieces[1]!);
    expect(first[0]!.buffer).toBe(pieces[0]!.buffer);
    expect(new TextDecoder().decode(first[0])).toBe('he');
    expect(new TextDecoder().decode(second[0])).toBe('llo');
  });

  it('accepts bare LF line ends only with allowBareLf', () => {
    const input = bytes('5\nhello\n0\nX: y\n\nrest');
    expect(replay(input).error).toEqual({ code: 'BARE_LF', offset: 1 });
    const outcome = replay(input, { allowBareLf: true });
    expect(outcome).toEqual({ data: 'hello', trailers: [['X', 'y']], leftover: 'rest' });
    expect(replay(bytes('5\r\nhello\n0\r\n\r\n'), { allowBareLf: true }).data).toBe('hello');
  });

  it('decodes a chunk of exactly maxChunkBytes', () => {
    expect(replay(bytes('10\r\n0123456789abcdef\r\n0\r\n\r\n'), { maxChunkBytes: 16 }).data).toBe(
      '0123456789abcdef',
    );
  });
});

describe('ChunkedReader: malformed and hostile bodies (RFC 9112 §7.1)', () => {
  it.each([
    ['size overflow ffffffffffffffffff (smuggling)', 'ffffffffffffffffff\r\n', 'CHUNK_SIZE_OVERFLOW', 6],
    ['a size above maxChunkBytes', '4000001\r\n', 'CHUNK_SIZE_OVERFLOW', 6],
    ['17 hex digits, even as leading zeros', '00000000000000005\r\n', 'CHUNK_SIZE_OVERFLOW', 16],
    ['a "+" sign (smuggling)', '+5\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a "-" sign (smuggling)', '-5\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a 0x prefix (smuggling)', '0x5\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 1],
    ['a space before the size', ' 5\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a tab before the size', '\t5\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a space inside the size', '1 0\r\n', 'INVALID_CHUNK_SIZE', 2],
    ['a space after the size without chunk-ext', '5 \r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_SIZE', 2],
    ['an empty size line', '\r\n5\r\nhello\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a non-hex digit', '5g\r\n', 'INVALID_CHUNK_SIZE', 1],
    ['a non-ASCII digit', '\xd9\r\n', 'INVALID_CHUNK_SIZE', 0],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n', 'BARE_LF', 1],
    ['a bare LF after the data', '5\r\nhello\n0\r\n\r\n', 'BARE_LF', 8],
    ['a bare LF after the last chunk', '0\n\r\n', 'BARE_LF', 1],
    ['a bare LF ending the trailer section', '0\r\n\n', 'BARE_LF', 3],
    ['a bare LF after a trailer field', '0\r\nA: b\n\r\n', 'BARE_LF', 7],
    ['a CR without LF in the size line', '5\rhello\r\n', 'MISSING_CRLF', 2],
    ['missing CRLF after data (size too small, smuggling)', '3\r\nhello\r\n0\r\n\r\n', 'MISSING_CRLF', 6],
    ['a CR without LF after data', '5\r\nhello\rX', 'MISSING_CRLF', 9],
    ['no line end after the last chunk data', '5\r\nhello0\r\n\r\n', 'MISSING_CRLF', 8],
    ['an empty chunk-ext', '5;\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_EXT', 2],
    ['a chunk-ext name with a bad token byte', '5;a@b\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_EXT', 3],
    ['a chunk-ext with an empty value', '5;a=\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_EXT', 4],
    ['an unterminated quoted-string', '5;a="x\r\nhello\r\n0\r\n\r\n', 'INVALID_CHUNK_EXT', 6],
    ['bytes after a quoted-string', '5;a="x"y\r\nhello\r\n', 'INVALID_CHUNK_EXT', 7],
    ['a quoted-pair escaping LF', '5;a="\\\n"\r\nhello\r\n', 'INVALID_CHUNK_EXT', 6],
    ['a NUL in a quoted-string', '5;a="\x00"\r\nhello\r\n', 'INVALID_CHUNK_EXT', 5],
    ['whitespace after a chunk-ext value, before CRLF', '5;a=b \r\nhello\r\n', 'INVALID_CHUNK_EXT', 6],
    ['whitespace after a chunk-ext name, before CRLF', '5;a \r\nhello\r\n', 'INVALID_CHUNK_EXT', 4],
    ['a chunk-ext value with a space in a token', '5;a=b c\r\nhello\r\n', 'INVALID_CHUNK_EXT', 6],
    ['an obs-fold in the trailer section (§5.2)', '0\r\nA: b\r\n c\r\n\r\n', 'INVALID_TRAILER', 9],
    ['whitespace before the trailer colon (§5.1)', '0\r\nA : b\r\n\r\n', 'INVALID_TRAILER', 4],
    ['a trailer line without a colon', '0\r\nA\r\n\r\n', 'INVALID_TRAILER', 4],
    ['a trailer line with an empty name', '0\r\n: b\r\n\r\n', 'INVALID_TRAILER', 3],
    ['a NUL in a trailer value', '0\r\nA: \x00\r\n\r\n', 'INVALID_TRAILER', 6],
    ['a CR alone in a trailer value', '0\r\nA: b\rc\r\n\r\n', 'MISSING_CRLF', 8],
    ['a body cut inside data', '5\r\nhel', 'TRUNCATED', 6],
    ['a body cut after the last chunk', '5\r\nhello\r\n0\r\n', 'TRUNCATED', 13],
    ['a body cut inside a trailer', '0\r\nA: b', 'TRUNCATED', 7],
    ['a body cut between CR and LF', '0\r\n\r', 'TRUNCATED', 4],
    ['an empty body', '', 'TRUNCATED', 0],
  ])('rejects %s', (_name, input, code, offset) => {
    expect(replay(bytes(input)).error).toEqual({ code, offset });
  });

  it('rejects a chunk-ext section larger than maxExtBytes before keeping it', () => {
    const input = bytes(`5;${'a'.repeat(DEFAULT_MAX_EXT_BYTES + 100)}\r\nhello\r\n0\r\n\r\n`);
    // ";" is ext byte 1, so byte DEFAULT_MAX_EXT_BYTES + 1 of the ext (at offset 1 + it) fails.
    expect(replay(input).error).toEqual({ code: 'EXT_TOO_LARGE', offset: 1 + DEFAULT_MAX_EXT_BYTES });
    // ";a=bb" is 5 bytes of chunk-ext.
    expect(replay(bytes('5;a=bb\r\nhello\r\n0\r\n\r\n'), { maxExtBytes: 4 }).error).toEqual({
      code: 'EXT_TOO_LARGE',
      offset: 5,
    });
    expect(replay(bytes('5;a=bb\r\nhello\r\n0\r\n\r\n'), { maxExtBytes: 5 }).data).toBe('hello');
  });

  it('counts the ext limit per size line, not per body', () => {
    const line = `1;${'e'.repeat(2000)}\r\nx\r\n`;
    expect(replay(bytes(`${line.repeat(5)}0\r\n\r\n`)).data).toBe('xxxxx');
  });

  it('rejects a trailer section larger than maxTrailerBytes before keeping it', () => {
    const input = bytes(`0\r\nX: ${'a'.repeat(DEFAULT_MAX_TRAILER_BYTES)}\r\n\r\n`);
    expect(replay(input).error).toEqual({ code: 'TRAILER_TOO_LARGE', offset: 3 + DEFAULT_MAX_TRAILER_BYTES });
    // Many small fields count together: "A: b\r\n" is 6 bytes.
    const many = bytes(`0\r\n${'A: b\r\n'.repeat(3)}\r\n`);
    expect(replay(many, { maxTrailerBytes: 18 }).trailers).toHaveLength(3);
    expect(replay(many, { maxTrailerBytes: 17 }).error).toEqual({ code: 'TRAILER_TOO_LARGE', offset: 20 });
  });

  it('rejects a size above a custom maxChunkBytes at the digit that crosses it', () => {
    expect(replay(bytes('11\r\n'), { maxChunkBytes: 16 }).error).toEqual({
      code: 'CHUNK_SIZE_OVERFLOW',
      offset: 1,
    });
  });

  it('uses a 64 MiB default chunk limit', () => {
    expect(DEFAULT_MAX_CHUNK_BYTES).toBe(64 * 1024 * 1024);
    const reader = new ChunkedReader();
    expect(reader.push(bytes('4000000\r\nab'))).toHaveLength(1);
  });

  it('rethrows the same error on every later push and on end()', () => {
    const reader = new ChunkedReader();
    let first: unknown;
    try {
      reader.push(bytes('5\r\nhello\r\n-1\r\n'));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(ChunkedError);
    expect(first).toMatchObject({ code: 'INVALID_CHUNK_SIZE', offset: 10, name: 'ChunkedError' });
    expect(() => reader.push(bytes('0\r\n\r\n'))).toThrow(first as Error);
    expect(() => reader.end()).toThrow(first as Error);
  });

  it('keeps data returned before an error valid', () => {
    const input = bytes('5\r\nhello\r\nzz');
    const reader = new ChunkedReader();
    const returned = reader.push(input.subarray(0, 10));
    expect(() => reader.push(input.subarray(10))).toThrow(ChunkedError);
    expect(new TextDecoder().decode(returned[0])).toBe('hello');
  });

  it('throws DATA_AFTER_END when bytes are pushed after the end', () => {
    const reader = new ChunkedReader();
    reader.push(bytes('0\r\n\r\n'));
    expect(reader.push(new Uint8Array(0))).toEqual([]);
    expect(() => reader.push(bytes('x'))).toThrow(
      expect.objectContaining({ code: 'DATA_AFTER_END', offset: 5 }),
    );
    const withLeftover = new ChunkedReader();
    withLeftover.push(bytes('0\r\n\r\nab'));
    expect(() => withLeftover.push(bytes('c'))).toThrow(
      expect.objectContaining({ code: 'DATA_AFTER_END', offset: 7 }),
    );
  });

  it('says what it found and where, escaped and cut', () => {
    expect(() => new ChunkedReader().push(bytes('5\r\nhello\r\n0x\r\n'))).toThrow(
      'chunk size has a non-hex byte, found "x\\r\\n" at byte 11',
    );
    const garbage = new Uint8Array(40).fill(0xff);
    expect(() => new ChunkedReader().push(garbage)).toThrow(/found "(\\xff){16}…" at byte 0$/);
  });

  it('rejects limits that are not positive safe integers', () => {
    for (const [option, value] of [
      ['maxChunkBytes', 0],
      ['maxChunkBytes', Number.POSITIVE_INFINITY],
      ['maxExtBytes', Number.NaN],
      ['maxTrailerBytes', 2 ** 60],
    ] as const) {
      expect(() => new ChunkedReader({ [option]: value })).toThrow(
        expect.objectContaining({ name: 'ChunkedError', code: 'INVALID_OPTION', option }),
      );
    }
  });
});

describe('ChunkedReader: truncation anywhere', () => {
  it('throws TRUNCATED at the cut for every strict prefix of a body', () => {
    const input = bytes('5;a="b"\r\nhello\r\n4\r\n\r\n\r\n\r\n0;z\r\nT: v\r\n\r\n');
    for (let length = 0; length < input.length; length++) {
      expect(feed([input.subarray(0, length)]).error, `prefix of ${length} bytes`).toEqual({
        code: 'TRUNCATED',
        offset: length,
      });
    }
    expect(feed([input]).error).toBeUndefined();
  });
});

describe('ChunkedReader: large inputs', () => {
  it('decodes a 300 KB body fed in 1-byte, 7-byte, 16 KiB and random pieces alike', () => {
    let text = '';
    let expected = '';
    for (let i = 0; i < 60; i++) {
      const data = String.fromCharCode(97 + (i % 26)).repeat(4000 + i * 37);
      expected += data;
      text += `${data.length.toString(16)}${i % 3 === 0 ? ';i=1' : ''}\r\n${data}\r\n`;
    }
    const outcome = replay(bytes(`${text}0\r\nDone: yes\r\n\r\n`));
    expect(outcome.data).toBe(expected);
    expect(outcome.trailers).toEqual([['Done', 'yes']]);
  });

  it('keeps only the declared data of a huge chunk and returns every byte in order', () => {
    const size = 3 * 1024 * 1024;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i++) body[i] = i & 0xff;
    const input = new Uint8Array([...bytes(`${size.toString(16)}\r\n`), ...body, ...bytes('\r\n0\r\n\r\n')]);
    const reader = new ChunkedReader();
    let offset = 0;
    let same = true;
    for (const piece of cut(input, 64 * 1024)) {
      for (const data of reader.push(piece)) {
        for (let i = 0; i < data.length; i++) if (data[i] !== body[offset + i]) same = false;
        offset += data.length;
      }
    }
    reader.end();
    expect(same).toBe(true);
    expect(offset).toBe(size);
  });
});

describe('ChunkedReader: random splits (fast-check)', () => {
  it('gives the same outcome for any split of a vector', () => {
    const vectors = [
      '5;a="b"\r\nhello\r\n4\r\n\r\n\r\n\r\n0\r\nT: v\r\n\r\nleft',
      '5\r\nhello\r\n0x\r\n',
      '0\r\nA: b\r\n c\r\n\r\n',
    ].map(bytes);
    fc.assert(
      fc.property(fc.constantFrom(...vectors), fc.array(fc.nat(), { maxLength: 12 }), (input, rawOffsets) => {
        const offsets = [...new Set(rawOffsets.map((offset) => offset % (input.length + 1)))].sort(
          (a, b) => a - b,
        );
        expect(feed(splitAt(input, offsets))).toEqual(feed([input]));
      }),
      { numRuns: 300 },
    );
  });
});
