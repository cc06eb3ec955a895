import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { MultipartParser, type Part, type PiecesPart, parseMultipart } from '../src/index.js';
import { bytes, replay, run, runPieces, splitAt, text } from './replay.js';

const STREAM =
  '--B\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\n\r\nab\r\ncd\r\n--B\r\n' +
  'Content-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Length: 0\r\n\r\n\r\n' +
  '--B\r\nContent-Length: 2\r\n\r\nwrong length\r\n--B\r\nContent-Length: 1\r\n\r\nz\r\n\r\n' +
  'Content-Length: 3\r\n\r\n--B\r\n--B--';

describe("bodies: 'pieces' (views of the written chunks, no copy)", () => {
  it('gives, at every split, pieces that join to the contiguous bodies, with the same stats', () => {
    // replay() runs the pieces form beside the contiguous one for every split and checks that
    // every piece is a view of a written chunk's memory.
    const outcome = replay(bytes(STREAM), 'B');
    expect(outcome.error).toBeUndefined();
    expect(outcome.parts.map((part) => part.body)).toEqual([
      'ab\r\ncd',
      'hello',
      '',
      'wrong length',
      'z',
      '--B',
    ]);
    expect(outcome.stats).toMatchObject({ lengthMismatches: 1, missingDelimiters: 1, searchedParts: 2 });
  });

  it('hands over one view of the chunk when a body lies inside it, and none for an empty body', () => {
    const chunk = bytes(
      '--B\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Length: 0\r\n\r\n\r\n--B\r\n\r\nde\r\n--B--',
    );
    const parts = new MultipartParser('B', { bodies: 'pieces' }).write(chunk);
    expect(parts.map((part) => part.pieces.length)).toEqual([1, 0, 1]);
    expect(parts.map((part) => part.bodyLength)).toEqual([3, 0, 2]);
    expect(parts[0]!.pieces[0]!.buffer).toBe(chunk.buffer);
    expect(parts[0]!.pieces[0]!.byteOffset).toBe(text(chunk).indexOf('abc'));
    expect(parts[2]!.pieces[0]!.byteOffset).toBe(text(chunk).indexOf('de'));
  });

  it('hands over a chunk that lies wholly inside a body as it is, by length and by search', () => {
    for (const head of ['--B\r\nContent-Length: 9\r\n\r\n', '--B\r\n\r\n']) {
      const parser = new MultipartParser('B', { bodies: 'pieces' });
      const middle = bytes('def');
      const first = bytes(`${head}abc`);
      const last = bytes('ghi\r\n--B\r\n');
      const parts = [...parser.write(first), ...parser.write(middle), ...parser.write(last)];
      expect(parts).toHaveLength(1);
      const [a, b, c] = parts[0]!.pieces;
      expect(b).toBe(middle);
      expect(a!.buffer).toBe(first.buffer);
      expect(c!.buffer).toBe(last.buffer);
      expect(parts[0]!.pieces.map(text).join('')).toBe('abcdefghi');
      expect(parts[0]!.bodyLength).toBe(9);
    }
  });

  it('keeps only the body bytes in bufferedBytes while a body by length fills', () => {
    const parser = new MultipartParser('B', { bodies: 'pieces' });
    parser.write(bytes('--B\r\nContent-Length: 10\r\n\r\nabcd'));
    expect(parser.bufferedBytes).toBe(4);
    parser.write(bytes('efghij\r\n'));
    expect(parser.bufferedBytes).toBe(0);
  });

  it('joins to the contiguous bodies for random streams cut anywhere (fast-check)', () => {
    const fragment = fc.constantFrom(
      '--B',
      '\r\n--B',
      '\r\n',
      '\n',
      '\r\n\r\n',
      'Content-Length: 2\r\n',
      '\xff\xd9',
      'xy',
    );
    const body = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));
    const part = fc.record({ body, withLength: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(part, { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        (parts, fractions) => {
          let stream = '--B\r\n';
          for (const { body, withLength } of parts) {
            const length = withLength ? `Content-Length: ${body.length}\r\n` : '';
            stream += `Content-Type: image/jpeg\r\n${length}\r\n${body}\r\n--B\r\n`;
          }
          const input = bytes(stream);
          const chunks = splitAt(
            input,
            fractions.map((fraction) => Math.floor(fraction * input.length)),
          );
          const contiguous = run(chunks, 'B');
          expect(runPieces(chunks, 'B')).toEqual(contiguous);
          expect(runPieces([input], 'B')).toEqual(run([input], 'B'));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('types the parts by the option: pieces for pieces, body otherwise', () => {
    const chunk = bytes('--B\r\n\r\nx\r\n--B--');
    expectTypeOf(new MultipartParser('B', { bodies: 'pieces' }).write(chunk)).toEqualTypeOf<PiecesPart[]>();
    expectTypeOf(new MultipartParser('B', { maxPartBytes: 10 }).write(chunk)).toEqualTypeOf<Part[]>();
    expectTypeOf(new MultipartParser('B').end()).toEqualTypeOf<Part[]>();
    expectTypeOf(parseMultipart(new ReadableStream(), 'B', { bodies: 'pieces' })).toEqualTypeOf<
      AsyncGenerator<PiecesPart, void, undefined>
    >();
    expect(new MultipartParser('B', { bodies: 'contiguous' }).write(chunk)[0]!.body).toEqual(bytes('x'));
  });

  it('refuses an unknown body form up front', () => {
    expect(() => new MultipartParser('B', { bodies: 'chunks' as 'pieces' })).toThrow(
      expect.objectContaining({ name: 'MultipartError', code: 'INVALID_OPTION', option: 'bodies' }),
    );
  });

  it('parseMultipart yields pieces that are views of the source chunks', async () => {
    const input = bytes(STREAM);
    const chunks = splitAt(input, [7, 40, 41, 90]);
    async function* source(): AsyncGenerator<Uint8Array> {
      yield* chunks;
    }
    const bodies: string[] = [];
    for await (const part of parseMultipart(source(), 'B', { bodies: 'pieces' })) {
      for (const piece of part.pieces) expect(piece.buffer).toBe(input.buffer);
      bodies.push(part.pieces.map(text).join(''));
    }
    expect(bodies).toEqual(['ab\r\ncd', 'hello', '', 'wrong length', 'z', '--B']);
  });
});
