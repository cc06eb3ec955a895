import { describe, expect, it } from 'vitest';
import { MultipartError, parseMultipart } from '../src/index.js';
import { bytes, pieces, text } from './replay.js';

const STREAM = bytes(
  '--B\r\nContent-Type: image/jpeg\r\nContent-Length: 3\r\n\r\nabc\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n',
);

function readable(chunks: Uint8Array[], options: { hang?: boolean } = {}): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!);
      else if (!options.hang) controller.close();
      // hang: never enqueue again, like a stalled camera
    },
  });
}

async function* iterable(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

async function collect(parts: AsyncIterable<{ body: Uint8Array; contentType?: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const part of parts) out.push(`${part.contentType}:${text(part.body)}`);
  return out;
}

describe('parseMultipart', () => {
  it('reads a ReadableStream in 5-byte chunks and releases its lock at the end', async () => {
    const stream = readable(pieces(STREAM, 5));
    expect(await collect(parseMultipart(stream, 'B'))).toEqual(['image/jpeg:abc', 'text/plain:hello']);
    expect(stream.locked).toBe(false);
  });

  it('reads any async iterable', async () => {
    expect(await collect(parseMultipart(iterable(pieces(STREAM, 3)), 'B'))).toEqual([
      'image/jpeg:abc',
      'text/plain:hello',
    ]);
  });

  it('passes limits to the parser', async () => {
    const error = await collect(parseMultipart(iterable([STREAM]), 'B', { maxHeaderBytes: 10 })).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(MultipartError);
    expect(error.code).toBe('HEADER_TOO_LARGE');
  });

  it('throws TRUNCATED when the source ends inside a part', async () => {
    const error = await collect(parseMultipart(iterable([STREAM.subarray(0, 70)]), 'B')).catch((e) => e);
    expect(error).toMatchObject({ code: 'TRUNCATED', offset: 70 });
  });

  it('releases the lock when the consumer breaks out early', async () => {
    const stream = readable(pieces(STREAM, 4));
    for await (const part of parseMultipart(stream, 'B')) {
      expect(text(part.body)).toBe('abc');
      break;
    }
    expect(stream.locked).toBe(false);
  });

  it('stops a stalled stream on abort, throwing the reason, and releases the lock', async () => {
    const stream = readable([STREAM.subarray(0, 70)], { hang: true });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const part of parseMultipart(stream, 'B', { signal: controller.signal }))
        seen.push(text(part.body));
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('viewer left'));
    await expect(done).rejects.toThrow('viewer left');
    expect(seen).toEqual(['abc']);
    expect(stream.locked).toBe(false);
  });

  it('stops a stalled async iterable on abort', async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield STREAM.subarray(0, 10);
      await new Promise(() => {});
    }
    const done = collect(parseMultipart(stalled(), 'B', { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(done).rejects.toThrow('stop');
  });

  it('throws at once with an already aborted signal', async () => {
    const error = await collect(
      parseMultipart(iterable([STREAM]), 'B', { signal: AbortSignal.abort() }),
    ).catch((e) => e);
    expect(error.name).toBe('AbortError');
  });
});
