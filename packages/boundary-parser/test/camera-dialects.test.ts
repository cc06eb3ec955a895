import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultipartParser } from '../src/index.js';
import { bytes, replay, run, splitAt, text } from './replay.js';

/** A JPEG-like body that holds what a searching parser would stop at: a blank line and headers. */
const TRICKY = '\xff\xd8\r\n\r\nContent-Type: image/jpeg\r\n\r\n--B\r\n\n\nContent-Length: 1\n\n\xff\xd9';

/**
 * A camera that sends the delimiter line before the first part only and an empty line in its
 * place before each later one (some Axis firmwares).
 */
function undelimited(bodies: string[], lineEnd: '\r\n' | '\n', lengths = bodies.map(() => true)): string {
  return bodies
    .map((body, i) => {
      const length = lengths[i] ? `Content-Length: ${body.length}${lineEnd}` : '';
      const opening = i === 0 ? `--B${lineEnd}` : lineEnd;
      return `${opening}Content-Type: image/jpeg${lineEnd}${length}${lineEnd}${body}${lineEnd}`;
    })
    .join('');
}

describe('an LF-only stream that ends right after the last body (#9)', () => {
  it.each([
    [
      'one part, its LF the last byte',
      '--B\nContent-Type: image/jpeg\nContent-Length: 3\n\nabc\n',
      ['abc'],
      0,
    ],
    [
      'two parts, the last one ended by its LF',
      '--B\nContent-Length: 3\n\nabc\n--B\nContent-Type: image/jpeg\nContent-Length: 2\n\nde\n',
      ['abc', 'de'],
      0,
    ],
    ['one part, its LF, then an empty line', '--B\nContent-Length: 3\n\nabc\n\n', ['abc'], 1],
    [
      'undelimited parts, the last ended by its LF',
      undelimited(['abc', 'de', 'f'], '\n'),
      ['abc', 'de', 'f'],
      0,
    ],
  ])('returns the last part at end(): %s (#9)', (_name, input, bodies, skippedBytes) => {
    const outcome = replay(bytes(input), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
    expect(outcome.stats).toMatchObject({
      parts: bodies.length,
      lengthParts: bodies.length,
      lengthMismatches: 0,
      skippedBytes,
    });
  });

  it('returns the last part from end(), not before: the stream could still go on (#9)', () => {
    const parser = new MultipartParser('B');
    expect(parser.write(bytes('--B\nContent-Length: 3\n\nabc\n'))).toEqual([]);
    const parts = parser.end();
    expect(parts.map((part) => text(part.body))).toEqual(['abc']);
  });
});

describe('parts whose delimiter line is an empty line (#9)', () => {
  it.each([
    ['CRLF', '\r\n' as const],
    ['bare LF', '\n' as const],
  ])('takes each by its Content-Length and counts it in missingDelimiters (%s) (#9)', (_name, lineEnd) => {
    const bodies = [TRICKY, 'abc', '', TRICKY.slice(0, 9), 'z'];
    const outcome = replay(bytes(undelimited(bodies, lineEnd)), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
    expect(outcome.parts.map((part) => part.contentType)).toEqual(bodies.map(() => 'image/jpeg'));
    expect(outcome.stats).toMatchObject({
      parts: 5,
      lengthParts: 5,
      missingDelimiters: 4,
      lengthMismatches: 0,
      searchedParts: 0,
      skippedBytes: 0,
    });
  });

  it('returns each such part as soon as its body and line end arrive (#9)', () => {
    const parser = new MultipartParser('B');
    const stream = bytes(undelimited(['abc', 'defg', 'h'], '\r\n'));
    const afterSecond = text(stream).indexOf('defg') + 6;
    expect(parser.write(stream.subarray(0, afterSecond)).map((part) => text(part.body))).toEqual([
      'abc',
      'defg',
    ]);
    expect(parser.stats.missingDelimiters).toBe(1);
  });

  it('still reads an empty line before a delimiter as bytes skipped, not as a part (#9)', () => {
    const input = '--B\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n--B\r\nContent-Length: 1\r\n\r\nd\n\n--B\r\n';
    const outcome = replay(bytes(input), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(['abc', 'd']);
    expect(outcome.stats).toMatchObject({ missingDelimiters: 0, lengthParts: 2, lengthMismatches: 0 });
  });

  it('reads a stream that mixes delimiter lines and empty lines in their place (#9)', () => {
    const input = `--B\r\nContent-Length: 3\r\n\r\nabc\r\n\r\nContent-Length: 2\r\n\r\nde\r\n--B\r\nContent-Type: x\r\n\r\nsearched\r\n--B\r\nContent-Length: 1\r\n\r\nf\r\n\r\ncontent-length: 1\r\n\r\ng\r\n--B--`;
    const outcome = replay(bytes(input), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual(['abc', 'de', 'searched', 'f', 'g']);
    expect(outcome.stats).toMatchObject({ missingDelimiters: 2, searchedParts: 1, closeDelimiters: 1 });
  });

  it('throws MISSING_DELIMITER at its headers when such a part has no Content-Length (#9)', () => {
    const input = undelimited(['abc', 'defg'], '\r\n', [true, false]);
    const outcome = replay(bytes(input), 'B');
    expect(outcome.parts.map((part) => part.body)).toEqual(['abc']);
    const headers = input.indexOf('Content-Type', input.indexOf('abc'));
    expect(outcome.error).toEqual({ code: 'MISSING_DELIMITER', offset: headers });
  });

  it('throws MISSING_DELIMITER at the headers, holding nothing of the body that follows (#9)', () => {
    // Before, the body was searched for a delimiter that never comes, up to maxPartBytes.
    const parser = new MultipartParser('B');
    const head = '--B\r\nContent-Length: 1\r\n\r\nx\r\n\r\nContent-Type: image/jpeg\r\n';
    expect(parser.write(bytes(head))).toHaveLength(1);
    let error: unknown;
    try {
      parser.write(bytes('\r\n\xff\xd8'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      name: 'MultipartError',
      code: 'MISSING_DELIMITER',
      offset: head.indexOf('Content-Type'),
    });
    expect(parser.bufferedBytes).toBe(0);
    expect(() => parser.write(new Uint8Array(1024))).toThrow(error as Error);
  });

  it('throws MISSING_DELIMITER at its headers when such a part has a wrong Content-Length (#9)', () => {
    const input =
      '--B\r\nContent-Length: 1\r\n\r\na\r\n\r\nContent-Length: 2\r\n\r\nbcd\r\n\r\nContent-Length: 1\r\n\r\ne\r\n';
    const outcome = replay(bytes(input), 'B');
    expect(outcome.parts.map((part) => part.body)).toEqual(['a']);
    expect(outcome.error).toEqual({ code: 'MISSING_DELIMITER', offset: input.indexOf('Content-Length: 2') });
  });

  it('throws TRUNCATED when the stream ends inside the next part’s headers (#9)', () => {
    const input = '--B\r\nContent-Length: 1\r\n\r\na\r\n\r\nConten';
    expect(replay(bytes(input), 'B')).toMatchObject({
      parts: [{ body: 'a' }],
      error: { code: 'TRUNCATED', offset: input.length },
    });
  });

  it('reads random bodies of such a stream, cut anywhere, like one write (fast-check) (#9)', () => {
    const fragment = fc.constantFrom(
      '\r\n',
      '\n',
      '\r\n\r\n',
      'Content-Type: x\r\n',
      '--B',
      '\xff\xd9',
      'ab',
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(fragment, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\r\n' as const, '\n' as const),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        (pieces, lineEnd, fractions) => {
          const bodies = pieces.map((body) => body.join(''));
          const stream = bytes(undelimited(bodies, lineEnd));
          const cuts = fractions.map((fraction) => Math.floor(fraction * stream.length));
          const outcome = run(splitAt(stream, cuts), 'B');
          expect(outcome.error).toBeUndefined();
          expect(outcome.parts.map((part) => part.body)).toEqual(bodies);
          expect(outcome.stats.missingDelimiters).toBe(bodies.length - 1);
          expect(outcome.stats.lengthMismatches).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
