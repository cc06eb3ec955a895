import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_HEADER_BYTES,
  DEFAULT_MAX_HEADER_LINES,
  DEFAULT_MAX_PART_BYTES,
  MultipartError,
  MultipartParser,
  type MultipartStats,
} from '../src/index.js';
import { bytes, pieces, replay, run, text } from './replay.js';

const JPEG = '\xff\xd8\xff\xe0JFIF\x00\r\n--B\r\n\xff\xd9';

function lf(input: string): string {
  return input.replaceAll('\r\n', '\n');
}

function caught(action: () => unknown): MultipartError {
  try {
    action();
  } catch (error) {
    if (error instanceof MultipartError) return error;
    throw error;
  }
  throw new Error('expected a MultipartError');
}

describe('RFC 2046 §5.1 vectors', () => {
  const rfcExample =
    'This is the preamble.  It is to be ignored, though it\r\n' +
    'is a handy place for composition agents to include an\r\n' +
    'explanatory note to non-MIME conformant readers.\r\n' +
    '\r\n' +
    '--simple boundary\r\n' +
    '\r\n' +
    'This is implicitly typed plain US-ASCII text.\r\n' +
    'It does NOT end with a linebreak.\r\n' +
    '--simple boundary\r\n' +
    'Content-type: text/plain; charset=us-ascii\r\n' +
    '\r\n' +
    'This is explicitly typed plain US-ASCII text.\r\n' +
    'It DOES end with a linebreak.\r\n' +
    '\r\n' +
    '--simple boundary--\r\n' +
    '\r\n' +
    'This is the epilogue.  It is also to be ignored.\r\n';
  const preamble = (input: string) => input.indexOf(input === rfcExample ? '\r\n--simple' : '\n--simple');
  const epilogue = (input: string) =>
    input.length - input.indexOf('--simple boundary--') - '--simple boundary--'.length;

  it.each([
    ['§5.1.1 example, CRLF', rfcExample, { lfOnlyLines: 0 }],
    // 2 delimiter lines, 3 line breaks before delimiters, 3 header-block lines.
    ['§5.1.1 example, bare LF', lf(rfcExample), { lfOnlyLines: 8 }],
  ])('%s: preamble and epilogue ignored, two parts', (_name, input, stats) => {
    const crlf = input === rfcExample ? '\r\n' : '\n';
    const outcome = replay(bytes(input), 'simple boundary');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual([
      `This is implicitly typed plain US-ASCII text.${crlf}It does NOT end with a linebreak.`,
      `This is explicitly typed plain US-ASCII text.${crlf}It DOES end with a linebreak.${crlf}`,
    ]);
    expect(outcome.parts[0]!.headers).toEqual([]);
    expect(outcome.parts[1]!.contentType).toBe('text/plain; charset=us-ascii');
    expect(outcome.stats).toMatchObject({
      parts: 2,
      searchedParts: 2,
      closeDelimiters: 1,
      preambleBytes: preamble(input),
      epilogueBytes: epilogue(input),
      ...stats,
    });
  });

  type Vector = [name: string, input: string, bodies: string[], stats: Partial<MultipartStats>];
  const vectors: Vector[] = [
    [
      'a live stream as mjpeg-kit writes it (opening line, head, body, tail)',
      `--B\r\nContent-Type: image/jpeg\r\nContent-Length: ${JPEG.length}\r\nX-Timestamp: 1.000000\r\n\r\n${JPEG}\r\n--B\r\n` +
        `Content-Type: image/jpeg\r\nContent-Length: 2\r\n\r\nab\r\n--B\r\n`,
      [JPEG, 'ab'],
      { lengthParts: 2, searchedParts: 0 },
    ],
    [
      'parts without Content-Length, found by search',
      `--B\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8--Bx\r\n-B\r\n\xff\xd9\r\n--B\r\nContent-Type: image/jpeg\r\n\r\nxy\r\n--B\r\n`,
      ['\xff\xd8--Bx\r\n-B\r\n\xff\xd9', 'xy'],
      { searchedParts: 2 },
    ],
    ['a part with no headers', '--B\r\n\r\nbody\r\n--B--', ['body'], { closeDelimiters: 1 }],
    ['an empty body, searched', '--B\r\nContent-Type: a\r\n\r\n\r\n--B\r\n', [''], { searchedParts: 1 }],
    ['an empty body by length', '--B\r\nContent-Length: 0\r\n\r\n\r\n--B\r\n', [''], { lengthParts: 1 }],
    [
      'a CRLF before the first delimiter is not preamble',
      '\r\n--B\r\nContent-Length: 1\r\n\r\nx\r\n--B\r\n',
      ['x'],
      { preambleBytes: 0 },
    ],
    [
      'a body holding the boundary text that Content-Length protects',
      `--B\r\nContent-Length: 12\r\n\r\n\r\n--B\r\n--B--\r\n--B\r\n`,
      ['\r\n--B\r\n--B--'],
      { lengthParts: 1, lengthMismatches: 0 },
    ],
  ];
  it.each(vectors)('%s', (_name, input, bodies, stats) => {
    const outcome = replay(bytes(input), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
    expect(outcome.stats).toMatchObject({ parts: bodies.length, ...stats });
  });
});

describe('tolerated dialects (each counted in stats)', () => {
  type Dialect = [
    name: string,
    boundary: string,
    input: string,
    bodies: string[],
    stats: Partial<MultipartStats>,
  ];
  const dialects: Dialect[] = [
    [
      'LF-only line ends everywhere',
      'B',
      lf(
        '--B\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Type: x\r\n\r\nhello\r\n--B\r\n',
      ),
      ['abc', 'hello'],
      { lfOnlyLines: 10, lengthParts: 1, searchedParts: 1 },
    ],
    [
      'boundary declared with its leading dashes, lines without more',
      '--myboundary',
      '--myboundary\r\nContent-Length: 3\r\n\r\nabc\r\n--myboundary\r\nContent-Type: x\r\n\r\nhey\r\n--myboundary\r\n',
      ['abc', 'hey'],
      { bareDelimiters: 3 },
    ],
    [
      'boundary declared with its leading dashes, lines with two more',
      '--myboundary',
      '----myboundary\r\nContent-Length: 3\r\n\r\nabc\r\n----myboundary\r\n\r\nhey\r\n----myboundary\r\n',
      ['abc', 'hey'],
      { bareDelimiters: 0 },
    ],
    [
      'delimiter lines sent without their dashes',
      'myboundary',
      'myboundary\r\nContent-Length: 3\r\n\r\nabc\r\nmyboundary\r\nContent-Type: x\r\n\r\nhey\r\nmyboundary\r\n',
      ['abc', 'hey'],
      { bareDelimiters: 3 },
    ],
    [
      'a preamble before the first delimiter',
      'B',
      'HTTP/1.0 200 OK\r\nServer: cam\r\n\r\n--B\r\nContent-Length: 1\r\n\r\nx\r\n--B\r\n',
      ['x'],
      { preambleBytes: 30 },
    ],
    [
      'transport padding after delimiters',
      'B',
      '--B \t \r\nContent-Length: 1\r\n\r\nx\r\n--B  \r\n\r\nyy\r\n--B-- \r\n',
      ['x', 'yy'],
      { paddedDelimiters: 2, closeDelimiters: 1 },
    ],
    [
      'a close delimiter, then an epilogue',
      'B',
      '--B\r\n\r\nx\r\n--B--\r\nepilogue --B\r\n ignored',
      ['x'],
      { closeDelimiters: 1, epilogueBytes: 24 },
    ],
    [
      'a missing CRLF before a delimiter (searched body)',
      'B',
      '--B\r\nContent-Type: x\r\n\r\nabc--B\r\n\r\nabc-\xff--B\r\n',
      ['abc', 'abc-\xff'],
      { missingCrlfBeforeDelimiter: 2 },
    ],
    [
      'a missing CRLF before a delimiter (body by length)',
      'B',
      '--B\r\nContent-Length: 3\r\n\r\nabc--B\r\nContent-Length: 2\r\n\r\nde--B--',
      ['abc', 'de'],
      { missingCrlfBeforeDelimiter: 2, lengthParts: 2, lengthMismatches: 0 },
    ],
    [
      'a first part that starts with its headers',
      'B',
      'Content-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Length: 1\r\n\r\nd\r\n--B\r\n',
      ['abc', 'd'],
      { missingFirstDelimiter: 1 },
    ],
    [
      'the response headers repeated at the start of the body (a preamble)',
      'B',
      'Content-Type: multipart/x-mixed-replace; boundary=B\r\n\r\n--B\r\nContent-Length: 1\r\n\r\nd\r\n--B\r\n',
      ['d'],
      { missingFirstDelimiter: 0, preambleBytes: 55 },
    ],
    [
      'Content-Size instead of Content-Length, any case',
      'B',
      '--B\r\nCONTENT-SIZE: 3\r\n\r\nabc\r\n--B\r\ncontent-size: 2\r\n\r\nde\r\n--B\r\n',
      ['abc', 'de'],
      { legacyLengths: 2, lengthParts: 2 },
    ],
    [
      'the length given twice (Content-Length and Content-Size, or repeated)',
      'B',
      '--B\r\nContent-Length: 3\r\nContent-Size: 3\r\n\r\nabc\r\n--B\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nde\r\n--B\r\n',
      ['abc', 'de'],
      { lengthParts: 2, invalidLengths: 0, legacyLengths: 0 },
    ],
    [
      'conflicting or invalid lengths are ignored, the body is searched',
      'B',
      '--B\r\nContent-Length: 3\r\nContent-Size: 4\r\n\r\nabc\r\n--B\r\nContent-Length: -2\r\n\r\nde\r\n--B\r\n',
      ['abc', 'de'],
      { searchedParts: 2, invalidLengths: 2 },
    ],
    [
      'a Content-Length that is too short: the body is searched',
      'B',
      '--B\r\nContent-Length: 2\r\n\r\nabcdef\r\n--B\r\nContent-Length: 1\r\n\r\ng\r\n--B\r\n',
      ['abcdef', 'g'],
      { lengthMismatches: 1, searchedParts: 1, lengthParts: 1 },
    ],
    [
      'a Content-Length that is too long: the delimiter inside it is found',
      'B',
      '--B\r\nContent-Length: 25\r\n\r\nabc\r\n--B\r\nContent-Length: 1\r\n\r\ng\r\n--B\r\nContent-Type: x\r\n\r\nhij\r\n--B\r\n',
      ['abc', 'g', 'hij'],
      { lengthMismatches: 1, searchedParts: 2, lengthParts: 1 },
    ],
    [
      'a self-overlapping boundary among near-matches in the body',
      'aab',
      '--aab\r\n\r\naaaab aa-aab-x\naab\t\r\n\r\naaa\r\n--aab--',
      ['aaaab aa-aab-x', 'aaa'],
      {
        lfOnlyLines: 1,
        bareDelimiters: 1,
        paddedDelimiters: 1,
        closeDelimiters: 1,
        searchedParts: 2,
        skippedHeaderLines: 0,
      },
    ],
    [
      'header lines without a colon are skipped',
      'B',
      '--B\r\nHTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx\r\n--B\r\n',
      ['x'],
      { skippedHeaderLines: 1 },
    ],
    [
      'a stream that ends right after a boundary, without a line end',
      'B',
      '--B\r\nContent-Type: x\r\n\r\nabc\r\n--B',
      ['abc'],
      { searchedParts: 1 },
    ],
    [
      'a stream that ends with a body complete by length, unconfirmed',
      'B',
      '--B\r\nContent-Length: 3\r\n\r\nabc',
      ['abc'],
      { lengthParts: 1 },
    ],
  ];
  it.each(dialects)('%s', (_name, boundary, input, bodies, stats) => {
    const outcome = replay(bytes(input), boundary);
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
    expect(outcome.stats).toMatchObject({ parts: bodies.length, ...stats });
  });

  it('keeps header names as sent, values trimmed, repeated names, folded lines joined', () => {
    const input =
      '--B\r\nX-A:  1 \r\nx-a: 2\r\nX-Folded: one\r\n  two\r\nContent-Length: 0\r\n\r\n\r\n--B\r\n';
    const [part] = replay(bytes(input), 'B').parts;
    expect(part!.headers).toEqual([
      ['X-A', '1'],
      ['x-a', '2'],
      ['X-Folded', 'one two'],
      ['Content-Length', '0'],
    ]);
    const parser = new MultipartParser('B');
    const [live] = parser.write(bytes(input));
    expect(live!.headers.getAll('X-A')).toEqual(['1', '2']);
    expect(live!.headers.get('content-length')).toBe('0');
    expect(live!.contentLength).toBe(0);
  });
});

describe('latency (#2): a part by length is returned by the write() that confirms it', () => {
  const head = bytes('--B\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9');

  it.each([
    ['CRLF', '\r\n'],
    ['LF and a dash', '\n-'],
    ['--', '--'],
  ])('returns the part once the body and %s arrive, before the next delimiter', (_name, after) => {
    const parser = new MultipartParser('B');
    expect(parser.write(head)).toEqual([]);
    const parts = parser.write(bytes(after));
    expect(parts).toHaveLength(1);
    expect(text(parts[0]!.body)).toBe('\xff\xd8\xff\xd9');
  });

  it('waits for the second byte when the first is CR', () => {
    const parser = new MultipartParser('B');
    expect(parser.write(head)).toEqual([]);
    expect(parser.write(bytes('\r'))).toEqual([]);
    expect(parser.write(bytes('\n'))).toHaveLength(1);
  });

  it('returns the part in the same write when body and CRLF come together', () => {
    const parser = new MultipartParser('B');
    expect(parser.write(bytes('--B\r\nContent-Length: 2\r\n\r\nab\r\n'))).toHaveLength(1);
  });

  it('a searched part (no length) waits for its delimiter, by contrast', () => {
    const parser = new MultipartParser('B');
    expect(parser.write(bytes('--B\r\nContent-Type: image/jpeg\r\n\r\nab\r\n'))).toEqual([]);
    expect(parser.write(bytes('--B'))).toEqual([]);
    expect(parser.write(bytes('\r'))).toHaveLength(1);
  });
});

describe('zero copy', () => {
  it('returns a view of the chunk when a body lies inside it (length and search paths)', () => {
    const chunk = bytes('--B\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\n\r\ndefg\r\n--B\r\n');
    const parts = new MultipartParser('B').write(chunk);
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part.body.buffer).toBe(chunk.buffer);
    expect(parts[0]!.body.byteOffset).toBe(chunk.indexOf(0x61));
  });

  it('copies a body spanning chunks once, into an exactly sized buffer', () => {
    for (const head of ['--B\r\nContent-Length: 6\r\n\r\n', '--B\r\n\r\n']) {
      const parser = new MultipartParser('B');
      const parts = [...parser.write(bytes(`${head}abc`)), ...parser.write(bytes('def\r\n--B\r\n'))];
      expect(parts).toHaveLength(1);
      expect(text(parts[0]!.body)).toBe('abcdef');
      expect(parts[0]!.body.buffer.byteLength).toBe(6);
    }
  });
});

describe('searching for the boundary by its last 7 bytes', () => {
  // The native search looks for the boundary's last 7 bytes (all of it when shorter) and then
  // compares the bytes before them: a body full of near misses must still come back whole,
  // however the stream is split.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  it.each([5, 7, 8, 12, 22, 70])('finds the delimiter past near misses (%i-byte boundary)', (size) => {
    const boundary = (alphabet + alphabet).slice(0, size);
    const keyOffset = Math.max(0, size - 7);
    const step = Math.max(1, Math.ceil(keyOffset / 10));
    let body = '\x80'.repeat(20);
    for (let i = 0; i < keyOffset; i += step) {
      // The last 7 bytes match; byte i before them does not.
      body += `${boundary.slice(0, i)}#${boundary.slice(i + 1)}\r\n\xff`;
    }
    if (keyOffset > 0) body += `${boundary.slice(0, keyOffset - 1)}#${boundary.slice(keyOffset)}\r\n`;
    body += `--${boundary}x\xff--${boundary.slice(0, -1)}\r\n\x80`; // rejected; cut short
    const outcome = replay(bytes(`--${boundary}\r\n\r\n${body}\r\n--${boundary}--\r\n`), boundary);
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual([body]);
  });
});

describe('hostile input: limits, codes, offsets', () => {
  it('throws HEADER_TOO_LARGE at headerStart + maxHeaderBytes', () => {
    const input = bytes(`--B\r\nX-Long: ${'a'.repeat(200)}\r\n\r\nx\r\n--B\r\n`);
    expect(replay(input, 'B', { maxHeaderBytes: 100 }).error).toEqual({
      code: 'HEADER_TOO_LARGE',
      offset: 105,
    });
    // A block of exactly the limit passes: 'X-Long: ' + 200 + CRLF + CRLF = 212 bytes.
    expect(replay(input, 'B', { maxHeaderBytes: 212 }).error).toBeUndefined();
    expect(replay(input, 'B', { maxHeaderBytes: 211 }).error).toEqual({
      code: 'HEADER_TOO_LARGE',
      offset: 216,
    });
  });

  it('throws HEADER_TOO_LARGE by default past 16 KiB of header, holding at most that much', () => {
    const parser = new MultipartParser('B');
    parser.write(bytes('--B\r\n'));
    const line = bytes(`X-Filler: ${'f'.repeat(1000)}\r\n`);
    let error: MultipartError | undefined;
    for (let i = 0; i < 40 && error === undefined; i++) {
      try {
        parser.write(line);
        expect(parser.bufferedBytes).toBeLessThanOrEqual(DEFAULT_MAX_HEADER_BYTES + 64);
      } catch (thrown) {
        error = thrown as MultipartError;
      }
    }
    expect(error?.code).toBe('HEADER_TOO_LARGE');
    expect(error?.offset).toBe(5 + DEFAULT_MAX_HEADER_BYTES);
  });

  it('throws TOO_MANY_HEADERS at the start of the first line over maxHeaderLines', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `X-${i}: v\r\n`).join('');
    const input = bytes(`--B\r\n${lines}\r\nx\r\n--B\r\n`);
    expect(replay(input, 'B', { maxHeaderLines: 12 }).error).toBeUndefined();
    expect(replay(input, 'B', { maxHeaderLines: 10 }).error).toEqual({
      code: 'TOO_MANY_HEADERS',
      offset: 5 + 10 * 'X-0: v\r\n'.length,
    });
    expect(DEFAULT_MAX_HEADER_LINES).toBe(100);
  });

  it('throws PART_TOO_LARGE on a declared length over maxPartBytes, before buffering it', () => {
    const parser = new MultipartParser('B', { maxPartBytes: 1000 });
    const head = '--B\r\nContent-Length: 1001\r\n\r\n';
    const error = caught(() => parser.write(bytes(`${head}abc`)));
    expect(error).toMatchObject({ code: 'PART_TOO_LARGE', offset: head.length + 1000 });
    expect(parser.bufferedBytes).toBe(0);
    expect(
      replay(bytes(`${head}${'x'.repeat(1001)}\r\n--B\r\n`), 'B', { maxPartBytes: 1001 }).error,
    ).toBeUndefined();
  });

  it('throws PART_TOO_LARGE on a searched body over maxPartBytes, at the same offset every split', () => {
    const head = '--B\r\nContent-Type: x\r\n\r\n';
    const input = bytes(`${head}${'y'.repeat(300)}\r\n--B\r\n`);
    expect(replay(input, 'B', { maxPartBytes: 299 }).error).toEqual({
      code: 'PART_TOO_LARGE',
      offset: head.length + 299,
    });
    expect(replay(input, 'B', { maxPartBytes: 300 }).error).toBeUndefined();
  });

  it('keeps at most maxPartBytes plus one chunk while searching an endless body', () => {
    const maxPartBytes = 64 * 1024;
    const parser = new MultipartParser('B', { maxPartBytes });
    parser.write(bytes('--B\r\nContent-Type: x\r\n\r\n'));
    const chunk = new Uint8Array(4096).fill(0x42);
    let error: MultipartError | undefined;
    for (let i = 0; i < 100 && error === undefined; i++) {
      try {
        parser.write(chunk);
        expect(parser.bufferedBytes).toBeLessThanOrEqual(maxPartBytes + 2 * chunk.length);
      } catch (thrown) {
        error = thrown as MultipartError;
      }
    }
    expect(error?.code).toBe('PART_TOO_LARGE');
    expect(parser.bufferedBytes).toBe(0);
    expect(DEFAULT_MAX_PART_BYTES).toBe(32 * 1024 * 1024);
  });

  it('throws PREAMBLE_TOO_LARGE when no delimiter comes within maxPreambleBytes', () => {
    const input = bytes(`${'garbage '.repeat(40)}\r\n--B\r\n\r\nx\r\n--B\r\n`);
    expect(replay(input, 'B', { maxPreambleBytes: 100 }).error).toEqual({
      code: 'PREAMBLE_TOO_LARGE',
      offset: 100,
    });
    expect(replay(input, 'B', { maxPreambleBytes: 320 }).error).toBeUndefined();
  });

  it('throws PREAMBLE_TOO_LARGE on an endless preamble with bounded memory', () => {
    const parser = new MultipartParser('boundary');
    const chunk = new Uint8Array(1000).fill(0x2d); // dashes: every byte could start a delimiter
    const error = caught(() => {
      for (let i = 0; i < 100; i++) {
        parser.write(chunk);
        expect(parser.bufferedBytes).toBeLessThan(100);
      }
    });
    expect(error).toMatchObject({ code: 'PREAMBLE_TOO_LARGE', offset: 64 * 1024 });
  });

  it('throws EPILOGUE_TOO_LARGE past maxEpilogueBytes after a close delimiter', () => {
    const input = bytes(`--B\r\n\r\nx\r\n--B--${'e'.repeat(50)}`);
    expect(replay(input, 'B', { maxEpilogueBytes: 20 }).error).toEqual({
      code: 'EPILOGUE_TOO_LARGE',
      offset: '--B\r\n\r\nx\r\n--B--'.length + 20,
    });
    expect(replay(input, 'B', { maxEpilogueBytes: 50 }).error).toBeUndefined();
  });

  it.each([
    ['a NUL in a header line', '--B\r\nX-A: a\x00b\r\n\r\nx\r\n--B\r\n', 'MALFORMED_HEADER', 5],
    ['a lone CR in a header line', '--B\r\nX-A: 1\r\nX-B: a\rb\r\n\r\nx\r\n--B\r\n', 'MALFORMED_HEADER', 13],
    ['a folded first line', '--B\r\n folded: x\r\n\r\nx\r\n--B\r\n', 'MALFORMED_HEADER', 5],
    ['text after padding on a delimiter line', '--B \x00\r\n\r\nx\r\n--B\r\n', 'MALFORMED_DELIMITER', 4],
    ['CR without LF after a delimiter', '--B\rX\r\n\r\nx\r\n--B\r\n', 'MALFORMED_DELIMITER', 4],
    ['a stream ending inside headers', '--B\r\nContent-Type: ima', 'TRUNCATED', 22],
    ['a stream ending inside a body by length', '--B\r\nContent-Length: 10\r\n\r\nabc', 'TRUNCATED', 30],
    ['a stream ending inside a searched body', '--B\r\nContent-Type: x\r\n\r\nabc\r\n--', 'TRUNCATED', 31],
    ['a stream with no delimiter at all', 'no delimiter here', 'TRUNCATED', 17],
    ['a stream cut inside a first header line', 'Content-Ty', 'TRUNCATED', 10],
  ])('throws on %s', (_name, input, code, offset) => {
    expect(replay(bytes(input), 'B').error).toEqual({ code, offset });
  });

  it('rethrows the first error on every later call, and after end() refuses more', () => {
    const parser = new MultipartParser('B', { maxHeaderBytes: 10 });
    const first = caught(() => parser.write(bytes('--B\r\nX-Long-Header: 1\r\n\r\n')));
    expect(caught(() => parser.write(bytes('\r\n--B\r\n')))).toBe(first);
    expect(caught(() => parser.end())).toBe(first);

    const ended = new MultipartParser('B');
    ended.end();
    expect(caught(() => ended.write(bytes('--B'))).code).toBe('WRITE_AFTER_END');
  });

  it('keeps parts returned before an error', () => {
    const parser = new MultipartParser('B', { maxPartBytes: 5 });
    expect(parser.write(bytes('--B\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\n'))).toHaveLength(1);
    expect(caught(() => parser.write(bytes('Content-Length: 6\r\n\r\n'))).code).toBe('PART_TOO_LARGE');
  });

  it('rejects a bad boundary and bad limits up front', () => {
    expect(caught(() => new MultipartParser('')).code).toBe('BAD_BOUNDARY');
    expect(caught(() => new MultipartParser('a\r\nb')).code).toBe('BAD_BOUNDARY');
  });

  it.each([
    ['maxHeaderBytes', -1],
    ['maxPartBytes', Number.NaN],
    ['maxHeaderLines', Number.POSITIVE_INFINITY],
    ['maxPreambleBytes', Number.NEGATIVE_INFINITY],
    ['maxEpilogueBytes', Number.POSITIVE_INFINITY],
  ])('refuses %s = %s with INVALID_OPTION naming the option', (option, value) => {
    const error = caught(() => new MultipartParser('B', { [option]: value }));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toContain(option);
  });

  it('replays bytes after a lying length once: 2000 parts that all claim the rest of the stream', () => {
    // Every part declares a length reaching into the epilogue, so every length lies. The
    // replay after the first lie searches the parts inside it instead of nesting 2000 deep.
    const count = 2000;
    const ending = '\r\n--B--zzzzz';
    const heads: string[] = [];
    const bodies = Array.from({ length: count }, (_, i) => `frame ${i}`);
    let tailLength = ending.length;
    for (let i = count - 1; i >= 0; i--) {
      const rest = bodies[i]!.length + tailLength;
      const head = `Content-Length: ${rest - 3}\r\n\r\n`;
      heads[i] = head;
      tailLength = '\r\n--B\r\n'.length + head.length + rest;
    }
    let input = '--B\r\n';
    for (let i = 0; i < count; i++) input += `${heads[i]}${bodies[i]}${i < count - 1 ? '\r\n--B\r\n' : ''}`;
    input += ending;
    const outcome = run([bytes(input)], 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
    expect(outcome.stats).toMatchObject({ lengthMismatches: 1, searchedParts: count, lengthParts: 0 });
    expect(run(pieces(bytes(input), 4096), 'B')).toEqual(outcome);
  });

  it('has no part-count limit: 5000 parts in a row', () => {
    const part = '--B\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n';
    const outcome = run(pieces(bytes(`${part.repeat(5000)}--B--`), 1000), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.stats.parts).toBe(5000);
  });
});

describe('pure-JS search path (browsers)', () => {
  it('gives the same parts and stats as the native path', async () => {
    const { setNativeSearch } = await import('@mjpeg-kit/bytes');
    const input = bytes(
      `junk\r\n--B\r\nContent-Type: x\r\n\r\n\xff\xd8--Bx\r\nB-\xff\xd9--B\r\nContent-Length: 3\r\n\r\nabc\n--B \r\n\r\nz\r\n--B--`,
    );
    const native = run(pieces(input, 5), 'B');
    setNativeSearch(false);
    try {
      expect(run(pieces(input, 5), 'B')).toEqual(native);
    } finally {
      setNativeSearch(true);
    }
    expect(native.parts.map((part) => part.body)).toEqual(['\xff\xd8--Bx\r\nB-\xff\xd9', 'abc', 'z']);
  });
});
